/** Levels and rounding shared by the audio detectors. */

/** Reported levels go no lower than this, so digital silence stays a finite number in JSON. */
export const LOWEST_REPORTED_DB = -120;

/** dBFS of a linear peak amplitude (a sine of amplitude 1 is 0 dBFS), never below LOWEST_REPORTED_DB. */
export function amplitudeDb(amplitude: number): number {
  return Math.max(LOWEST_REPORTED_DB, 20 * Math.log10(amplitude));
}

/** dB of a mean square, never below LOWEST_REPORTED_DB. */
export function powerDb(meanSquare: number): number {
  return Math.max(LOWEST_REPORTED_DB, 10 * Math.log10(meanSquare));
}

/** The mean square of a level in dB. */
export function dbToPower(db: number): number {
  return 10 ** (db / 10);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
