export {
  canonicalize,
  canonicalJson,
  type JsonObject,
  type JsonValue,
  jsonEqual,
  jsonPointer,
} from "./canonical.ts";
export {
  type DeployFlowsOptions,
  type DeployOperation,
  type DeployResult,
  type DeployWrite,
  deployFlows,
  describeDeployedFlow,
  type FlowDeployment,
  type FlowToDeploy,
} from "./deploy.ts";
export {
  type DiffOptions,
  diffFlows,
  type FlowChange,
  type FlowDiff,
  formatFlowDiff,
  stripLayout,
} from "./diff.ts";
export {
  type ConfiguredFlow,
  flowToDeploy,
  type RenderedFlow,
  type RenderFlowOptions,
  renderConfiguredFlow,
} from "./environment.ts";
export {
  associatePhoneNumbers,
  type EnableVoiceIdOptions,
  type EnableVoiceIdResult,
  enableVoiceId,
  type PhoneNumberAssignment,
  type PhoneNumberResult,
  resolveVoiceIdDomain,
  type VoiceIdDomainRef,
  type VoiceIdDomainSpec,
} from "./instance.ts";
export {
  assertResolved,
  type CatalogEntry,
  type ConnectInstanceScope,
  describeConnectInstance,
  type ForeignArn,
  findNameReferences,
  listContactFlows,
  loadReferenceCatalog,
  type NameReference,
  parseNameReference,
  REFERENCE_KINDS,
  ReferenceCatalog,
  type ReferenceKind,
  type ReferenceResolution,
  type ResolveReferencesOptions,
  resolveReferences,
  type UnresolvedReference,
} from "./references.ts";
export {
  parseParameterAssignments,
  type RenderedTemplate,
  type RenderTemplateOptions,
  readTemplateManifest,
  renderTemplate,
  type TemplateManifest,
  type TemplateParameterSpec,
} from "./render.ts";
export {
  builtinTemplatesDir,
  listTemplates,
  type ResolveTemplateOptions,
  resolveTemplate,
  TEMPLATE_EXTENSION,
  type TemplateSource,
} from "./templates.ts";
