import { describe, expect, it } from "vitest";
import { iamPolicies } from "./iam.ts";

const base = {
  region: "us-west-2",
  accountId: "123456789012",
  domainId: "AbCdEfGhIjKlMnOpQrStUv",
  inputS3Uri: "s3://cvk-in/enroll/",
  outputS3Uri: "s3://cvk-out/results",
  inputKmsKeyArn: "arn:aws:kms:us-west-2:123456789012:key/in",
  outputKmsKeyArn: "arn:aws:kms:us-west-2:123456789012:key/out",
  domainKmsKeyArn: "arn:aws:kms:us-west-2:123456789012:key/domain",
  dataAccessRoleArn: "arn:aws:iam::123456789012:role/VoiceIdBatchAccess",
};

describe("iamPolicies", () => {
  it("scopes the data-access policy to the exact prefixes and keys (never Resource *)", () => {
    const { dataAccessRolePolicy } = iamPolicies(base);
    const text = JSON.stringify(dataAccessRolePolicy);
    expect(text).not.toContain('"Resource":"*"');
    const byAction = Object.fromEntries(
      dataAccessRolePolicy.Statement.map((s) => [JSON.stringify(s.Action), s.Resource]),
    );
    expect(byAction['"s3:GetObject"']).toBe("arn:aws:s3:::cvk-in/enroll/*");
    expect(byAction['"s3:PutObject"']).toBe("arn:aws:s3:::cvk-out/results/*");
    expect(byAction['"kms:Decrypt"']).toBe(base.inputKmsKeyArn);
    expect(byAction['["kms:Decrypt","kms:GenerateDataKey"]']).toBe(base.outputKmsKeyArn);
  });

  it("trusts voiceid.amazonaws.com only for this domain and account", () => {
    const [statement] = iamPolicies(base).trustPolicy.Statement;
    expect(statement?.Principal).toEqual({ Service: "voiceid.amazonaws.com" });
    expect(statement?.Action).toBe("sts:AssumeRole");
    expect(statement?.Condition?.StringEquals?.["aws:SourceAccount"]).toBe("123456789012");
    expect(statement?.Condition?.ArnLike?.["aws:SourceArn"]).toBe(
      "arn:aws:voiceid:us-west-2:123456789012:domain/AbCdEfGhIjKlMnOpQrStUv",
    );
  });

  it("operator: PassRole scoped to the role and Voice ID; * only for actions without a resource type", () => {
    const { operatorPolicy } = iamPolicies({ ...base, allowCreate: true });
    const pass = operatorPolicy.Statement.find((s) => s.Action === "iam:PassRole");
    expect(pass?.Resource).toBe(base.dataAccessRoleArn);
    expect(pass?.Condition).toEqual({ StringEquals: { "iam:PassedToService": "voiceid.amazonaws.com" } });
    for (const statement of operatorPolicy.Statement) {
      if (statement.Resource === "*")
        expect(statement.Action).toEqual(["voiceid:ListDomains", "voiceid:CreateDomain"]);
    }
    const jobs = operatorPolicy.Statement.find((s) =>
      (s.Action as string[]).includes?.("voiceid:StartSpeakerEnrollmentJob"),
    );
    expect(jobs?.Resource).toBe("arn:aws:voiceid:us-west-2:123456789012:domain/AbCdEfGhIjKlMnOpQrStUv");
  });

  it("without a domain id uses the account's domain ARN pattern and says so", () => {
    const { trustPolicy, notes } = iamPolicies({ ...base, domainId: undefined });
    expect(trustPolicy.Statement[0]?.Condition?.ArnLike?.["aws:SourceArn"]).toBe(
      "arn:aws:voiceid:us-west-2:123456789012:domain/*",
    );
    expect(notes[0]).toMatch(/not known yet/);
  });

  it("rejects a bad account id", () => {
    expect(() => iamPolicies({ ...base, accountId: "12" })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });
});
