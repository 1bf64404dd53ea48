/**
 * A segment's text index as its plugin saved it (see TextIndex.save; keys are the segment's local
 * numbers), and the format the plugin names such bytes by. @internal
 */
export interface SavedTextPart {
  format: string;
  bytes: Uint8Array;
}
