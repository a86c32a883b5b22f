/**
 * Closed captions as ffmpeg reports them, shared by file and live decoding. ffmpeg's H.264, HEVC and MPEG-2
 * decoders (4.1 and 5.1 alike, no option needed) turn ATSC A/53 caption data (SEI user_data_registered_itu_t_t35
 * "GA94", MPEG-2 picture user data) into A/53 side data on the decoded picture; `showinfo` prints each picture's
 * header line ("n: 12 pts: …") followed by one line per side data ("side data - A/53 closed captions (9 bytes)").
 * checksum=0 turns off showinfo's only per-pixel work (picture checksums), so what is left is a few lines of
 * text a picture; `npm run bench` measures it.
 *
 * The graph puts showinfo right after the constant-rate fps filter, so its `n` is the same frame index the
 * other outputs count: a caption's time needs no pairing with the frame markers.
 */

/** The filter step (without separator) that reports caption data; only in the graph when captions are wanted. */
export const CAPTION_FILTER = "showinfo=checksum=0";

const SHOWINFO_LINE = /^\[Parsed_showinfo_\d+ @ 0x[0-9a-f]+\] /;
const PICTURE_HEADER = /^\[Parsed_showinfo_\d+ @ 0x[0-9a-f]+\] n:\s*(\d+) /;
const CAPTION_SIDE_DATA = /^\[Parsed_showinfo_\d+ @ 0x[0-9a-f]+\]\s+side data - A\/53 closed captions\b/;

/** Machine output of the caption filter: read for captions, kept out of the stderr tail of error messages. */
export function isCaptionFilterLine(line: string): boolean {
  return SHOWINFO_LINE.test(line);
}

/** Follows showinfo's lines and says which pictures carried caption data. */
export class CaptionLines {
  #picture: number | undefined;
  #pictureHasCaptions = false;

  /** The frame index (showinfo's `n`, from 0) when this line says that picture carries caption data. */
  captionedPicture(line: string): number | undefined {
    if (!SHOWINFO_LINE.test(line)) return undefined;
    const header = PICTURE_HEADER.exec(line);
    if (header) {
      this.#picture = Number(header[1]);
      this.#pictureHasCaptions = false;
      return undefined;
    }
    // One picture can list A/53 data once only, but say so once even if a build repeats the line.
    if (this.#picture === undefined || this.#pictureHasCaptions || !CAPTION_SIDE_DATA.test(line))
      return undefined;
    this.#pictureHasCaptions = true;
    return this.#picture;
  }
}
