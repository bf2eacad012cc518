export { type AudioPoolOptions, AudioWorkerPool } from "./audio-pool.ts";
export { checkHeader, type HeaderCheck } from "./audio-worker.ts";
export {
  type AudioIssue,
  type AudioIssueReason,
  checkWavInfo,
  issueFromError,
  meetsVoiceIdRules,
  VOICE_ID_AUDIO_RULES,
  type VoiceIdAudioRules,
} from "./check.ts";
export {
  alawToLinear,
  decodeFrames,
  encodePcm16,
  encodeSamples,
  FrameDecoder,
  isSupportedSampleFormat,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
} from "./codecs.ts";
export { type ConvertedPart, type ConvertOptions, type ConvertResult, convertRecording } from "./convert.ts";
export { type InspectOptions, inspectRecording, type RecordingInspection } from "./inspect.ts";
export { decodedChunks, STREAM_CHUNK_BYTES } from "./pcm-stream.ts";
export { type ResampleQuality, Resampler, type ResamplerOptions, resample } from "./resample.ts";
export {
  type SpeechSegment,
  type SynthesizeSpeechOptions,
  speechLayout,
  synthesizeHoldMusic,
  synthesizeNoise,
  synthesizeSpeech,
  synthesizeTone,
  type VoiceProfile,
  voiceForSpeaker,
} from "./synth.ts";
export { measureSpeech, type SpeechMeasurement, SpeechMeter, type SpeechMeterOptions } from "./vad.ts";
export {
  computeVoiceprint,
  SAME_SPEAKER_THRESHOLD,
  type Voiceprint,
  voiceprintSimilarity,
} from "./voiceprint.ts";
export {
  HEADER_PROBE_BYTES,
  parseWavHeader,
  readWavInfo,
  readWavInfoSync,
  type WavEncoding,
  type WavHeaderErrorReason,
  type WavInfo,
} from "./wav-header.ts";
export { buildWavHeader, encodeWav, WavFileWriter, type WavHeaderOptions } from "./wav-writer.ts";
