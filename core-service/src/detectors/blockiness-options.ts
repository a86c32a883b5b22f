/** The settings of the block-corruption detector (blockiness.ts), with what each was measured as. */
import { z } from "zod";

export const BlockinessOptions = z
  .object({
    /** Seconds a condition must last before the defect is reported (open is sent once it has). */
    minDuration: z.number().nonnegative().default(0.5),
    /**
     * Grid score (boundary-phase excess over the next phase, in units of the typical luma step) above which a
     * picture is blocky whatever its source. Measured on 640x360 real footage: H.264 CRF 18 ≤ 0.08, MPEG-2
     * q2/1.5 Mb/s 0.1–0.27 (one 0.5 on a first I-frame), MPEG-2 q31 0.44–2.4.
     */
    gridThreshold: z.number().positive().default(0.3),
    /**
     * Terrace score (share of neighbouring blocks that are terraces on the block grid, minus the share off it,
     * in the weaker direction) above which a picture is blocky. Measured at 640x360 (footage, fractal, test
     * pattern, text, cellular textures, tiles, fence, grain): clean H.264/HEVC/VP9/MPEG-2 encodes ≤ 0.028;
     * H.264 QP 42–51 0.085–0.17 on footage and fractal, 0.067 on the test pattern at QP 51; HEVC QP 51
     * 0.045–0.076, QP 46 0.02–0.044.
     */
    terraceThreshold: z.number().positive().default(0.035),
    /** A blocky picture must also score this many times the source's baseline (median of recent clean samples). */
    baselineFactor: z.number().min(1).default(2.5),
    /** Clean samples the baseline remembers (files send 2.5 a second, live streams 2: about 10 s). */
    baselineSamples: z.number().int().positive().default(25),
    /**
     * Misfit-edge score (share of broken 8-pixel block-edge segments on the grid minus the share off it) that
     * no clean picture reaches, damaged whatever came before. Measured: clean encodes ≤ 0.026 (MPEG-2 q4, whose
     * own block edges show), footage ≤ 0.002; damaged footage 0.003–0.03, damaged test patterns 0.01–0.024.
     */
    misfitThreshold: z.number().positive().default(0.04),
    /**
     * Below misfitThreshold, a picture is damaged when its score is at least this (a share of edges at 640x360;
     * larger pictures scale it down by their area, picture-evidence.ts areaScale)…
     */
    misfitFloor: z.number().positive().default(0.005),
    /** …and this many times the highest of the source's recent clean samples (once there are 5 of them). */
    misfitFactor: z.number().min(1).default(2),
    /**
     * A picture has collapsed to grey (a lost reference) when this share of it is mid-grey (128 ± 4)… Measured:
     * clean pictures ≤ 0.14 (test patterns, phone footage), a noisy grey backdrop 0.3–0.8 (judged against its
     * own baseline); HEVC pictures predicted from a lost reference 0.3–0.87.
     */
    greyFloor: z.number().positive().max(1).default(0.2),
    /** …and this many times the source's baseline share. */
    greyFactor: z.number().min(1).default(4),
    /** Whether decoder complaints count as evidence (false: the pictures alone decide). */
    decoderErrors: z.boolean().default(true),
    /**
     * Seconds after the last decoder error during which the picture counts as damaged whatever it looks like.
     * When it is at least minDuration, a decoder error is reported at once.
     */
    errorHold: z.number().nonnegative().default(0.5),
    /**
     * After decoder errors, the picture stays damaged while the share of broken macroblock edges exceeds this
     * (measured: clean footage 0–0.002, concealed H.264 keyframe 0.003–0.045 until the next keyframe)…
     */
    damageFloor: z.number().positive().default(0.0025),
    /** …and this many times its baseline. */
    damageFactor: z.number().min(1).default(3),
    /** Longest a damage interval is kept open by the picture alone after the last decoder error, in seconds. */
    maxDamagePersistence: z.number().positive().default(10),
    /**
     * A stall (analysis pictures repeated bit for bit) is damage only after a picture that moved by at least
     * this mean luma change, in levels (clean footage moves 1–10)…
     */
    stallMotion: z.number().positive().default(0.5),
    /** …lasting at least this many repeated analysis pictures (about 0.1 s each)… */
    stallPictures: z.number().int().min(1).default(2),
    /** …and ending in a jump this many times the motion before it (a held frame resumes smoothly). */
    stallJumpFactor: z.number().min(1).default(3),
    /** Consecutive clean samples that end an interval (one quiet sample inside a defect does not split it). */
    clearSamples: z.number().int().positive().default(2),
    /** Luma steps above this (8-bit levels) are scene edges, not coding artefacts, and are ignored. */
    edgeCeiling: z.number().int().min(1).max(255).default(64),
    /** Every n-th row (and column) is read for the profile that does not need all of them (1080p: ≈0.5 ms at 2). */
    sampleStep: z.number().int().positive().default(2),
  })
  .strict();
export type BlockinessOptions = z.infer<typeof BlockinessOptions>;
