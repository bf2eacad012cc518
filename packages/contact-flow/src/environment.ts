import type { ContactFlowType, EnvironmentConfig } from "@cvk/core";
import { canonicalJson } from "./canonical.ts";
import type { FlowToDeploy } from "./deploy.ts";
import {
  assertResolved,
  type ReferenceCatalog,
  type ReferenceResolution,
  resolveReferences,
} from "./references.ts";
import { type RenderedTemplate, renderTemplate } from "./render.ts";
import { resolveTemplate } from "./templates.ts";

/**
 * The flows an environment declares (`connect.flows` in cvk.config.yaml), rendered for it: the
 * template's defaults, then the environment's config keys the template names (e.g.
 * voiceId.authenticationThreshold), then the flow's `parameters`, then command-line overrides.
 */

export interface ConfiguredFlow {
  name: string;
  template: string;
  type?: ContactFlowType;
  description?: string;
  publish?: boolean;
  parameters?: Record<string, unknown>;
}

export interface RenderFlowOptions {
  flow: ConfiguredFlow;
  /** The environment's merged config (for parameters declared with `config`). */
  config?: EnvironmentConfig;
  /** Where relative template paths and a project `templates/` folder are looked up (the config's folder). */
  baseDir?: string;
  /** Overrides (--param), applied last. */
  parameters?: Record<string, unknown>;
  /** The target instance's resources; without it the flow is rendered offline (names stay). */
  catalog?: ReferenceCatalog;
}

export interface RenderedFlow {
  flow: ConfiguredFlow;
  rendered: RenderedTemplate;
  resolution: ReferenceResolution;
  /** Canonical text of the resolved document (names left as written when offline). */
  text: string;
}

/** Renders one configured flow; with a catalog, resolves its references and fails closed. */
export function renderConfiguredFlow(options: RenderFlowOptions): RenderedFlow {
  const { flow } = options;
  const source = resolveTemplate(flow.template, options.baseDir ? { baseDir: options.baseDir } : {});
  const rendered = renderTemplate(source, {
    parameters: { ...(flow.parameters ?? {}), ...(options.parameters ?? {}) },
    ...(options.config ? { config: options.config } : {}),
  });
  const resolution = resolveReferences(rendered.document, options.catalog);
  if (options.catalog) assertResolved(resolution, `flow "${flow.name}"`);
  return { flow, rendered, resolution, text: canonicalJson(resolution.document) };
}

/** What deploy takes for a configured flow: its rendered document, names unresolved. */
export function flowToDeploy(flow: ConfiguredFlow, rendered: RenderedTemplate): FlowToDeploy {
  return {
    name: flow.name,
    ...(flow.type ? { type: flow.type } : {}),
    ...(flow.description !== undefined ? { description: flow.description } : {}),
    ...(flow.publish !== undefined ? { publish: flow.publish } : {}),
    document: rendered.document,
  };
}
