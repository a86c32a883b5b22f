/**
 * How audio detectors name the channels a defect concerns (`metrics.channels`): by the layout's names in
 * decoding order ("FL", "FR", …), or by 1-based number when the layout is unknown.
 */

export function channelList(indices: Iterable<number>, names: readonly string[]): (string | number)[] {
  return [...new Set(indices)].sort((a, b) => a - b).map((i) => names[i] || i + 1);
}

/** Left/right pairs whose anti-phase a mono downmix would cancel: FL/FR, SL/SR, BL/BR; 0/1 when unnamed. */
export function stereoPairs(names: readonly string[], channels: number): Array<readonly [number, number]> {
  if (names.length !== channels) return channels >= 2 ? [[0, 1]] : [];
  const pairs: Array<readonly [number, number]> = [];
  for (const [left, right] of [
    ["FL", "FR"],
    ["SL", "SR"],
    ["BL", "BR"],
  ] as const) {
    const l = names.indexOf(left);
    const r = names.indexOf(right);
    if (l >= 0 && r >= 0) pairs.push([l, r]);
  }
  return pairs;
}
