import { CALIBRATION_ATTACHMENT, CalibrationModel } from "./calibration-model.js";

/**
 * The calibration model an index keeps as its `calibration` attachment: the default of every
 * query that names none. Read when the index is opened, parsed on first use, so an unreadable
 * model fails the searches that would use it (naming the attachment and field) rather than
 * opening the index, and writes go on. @internal
 */
export class StoredCalibration {
  private bytes: Uint8Array | undefined;
  private failure: Error | undefined;
  private parsed: CalibrationModel | undefined;

  /** Loads the attachment through `load`; a read failure is kept and thrown on use. */
  static async load(load: (name: string) => Promise<Uint8Array | undefined>): Promise<StoredCalibration> {
    const stored = new StoredCalibration();
    try {
      stored.bytes = await load(CALIBRATION_ATTACHMENT);
    } catch (err) {
      stored.failure = err instanceof Error ? err : new Error(String(err));
    }
    return stored;
  }

  /** Checks bytes about to be stored as the model; throws InvalidModelError when they are not one. */
  static check(bytes: Uint8Array): CalibrationModel {
    return CalibrationModel.parse(new TextDecoder().decode(bytes), `attachment "${CALIBRATION_ATTACHMENT}"`);
  }

  /** Replaces the model after this process stored a new one. */
  replace(model: CalibrationModel): void {
    this.failure = undefined;
    this.bytes = undefined;
    this.parsed = model;
  }

  /** The stored model, or undefined when the index has none. */
  get(): CalibrationModel | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.parsed === undefined && this.bytes !== undefined) {
      this.parsed = CalibrationModel.parse(new TextDecoder().decode(this.bytes), `index attachment "${CALIBRATION_ATTACHMENT}"`);
    }
    return this.parsed;
  }
}
