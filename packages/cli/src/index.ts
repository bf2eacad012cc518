export { VOICE_ID_NOTICE } from "./commands/doctor.ts";
export { type MainOptions, main } from "./main.ts";
