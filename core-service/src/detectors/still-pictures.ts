/**
 * Pictures that are still of their own accord: black and colour bars. Black and freeze both ask whether a
 * picture is black, freeze and test-signal whether it is colour bars; the detectors of one set share these
 * meters, and each meter remembers its last picture, so every analysis picture is measured once (measuring
 * each twice cost ≈0.05× of a decode on the 1080p bench clip).
 */
import { barsFinderFor, ColourBarsSignalOptions } from "./bars-on-air.ts";
import { BlackMeter, type BlackRule } from "./black.ts";
import type { ColourBarsFinder } from "./colour-bars.ts";

export interface StillPictureMeters {
  readonly black: BlackMeter;
  readonly bars: ColourBarsFinder;
}

export function stillPictureMeters(
  black: BlackRule,
  testSignal: ColourBarsSignalOptions = ColourBarsSignalOptions.parse({}),
): StillPictureMeters {
  return { black: new BlackMeter(black), bars: barsFinderFor(testSignal) };
}
