/** Seconds on the media timeline as mm:ss.cc, e.g. 00:09.00 (rounded once, so 59.999 is 01:00.00). */
export function mediaTime(seconds: number): string {
  const centis = Math.round(seconds * 100);
  const minutes = Math.floor(centis / 6000);
  const rest = (centis % 6000) / 100;
  return `${String(minutes).padStart(2, "0")}:${rest.toFixed(2).padStart(5, "0")}`;
}
