import type { ServiceFrontDoor } from "../router.ts";
import type { ServiceContext } from "../service-context.ts";
import { S3Engine } from "./engine.ts";
import { createS3FrontDoor } from "./front-door.ts";

export { AwsChunkedDecoder, AwsChunkedError, decodeAwsChunked } from "./aws-chunked.ts";
export {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  crc32,
  crc32c,
  createHasher,
  digestOf,
  type Hasher,
} from "./checksums.ts";
export {
  type ChecksumType,
  compareKeys,
  isValidBucketName,
  type ListOptions,
  type ListResult,
  type MultipartUpload,
  type ObjectAttributes,
  type S3Bucket,
  S3Engine,
  type S3Object,
  type S3Part,
  type StoredChecksum,
} from "./engine.ts";
export { S3Errors } from "./errors.ts";

/** The S3 part of the sandbox: the engine (also what Voice ID reads audio from) and its restXml front door. */
export function createS3Service(context: ServiceContext): { engine: S3Engine; door: ServiceFrontDoor } {
  const engine = new S3Engine(context);
  return { engine, door: createS3FrontDoor(engine, context) };
}
