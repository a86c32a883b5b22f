;; The block measure's pixel loops (see blocking-measure.ts) as a WebAssembly SIMD128 kernel.
;;
;; Why: at native 1080p the plain-JS loops cost ~5-8 ms a frame (~1.7 ns per pixel read) whatever the tuning;
;; sixteen pixels an instruction is what brings that down. Everything is integer and exact: the results are the
;; same numbers as the JS reference (test/support/blocking-measure-reference.ts), not approximations.
;;
;; Limited-range planes (black at 16, white at 235) are first stretched to full range by stretch_to_full_range,
;; because the measure's thresholds were set on full-range planes.
;;
;; Memory (one exported memory, laid out and grown by blocking-kernel.ts before each call):
;;   [0, width*height)      the luma plane, row-major, one byte a pixel, copied in by the caller (surface reads
;;                          it as copied; stretch_to_full_range then maps it for the block measure);
;;   $acc (16-aligned)      step_profiles' scratch: a u16 running sum a column, width rounded up to 16 entries;
;;   $columns (16-aligned)  step_profiles' column profile: a u32 a column step (x -> x+1), same entry count;
;;   $rows                  step_profiles' row profile: a u32 a row step (y -> y+1), height - 1 entries.
;; u32 sums hold any real frame: 255 * 3840 (a 4K row) is far below 2^32.
;;
;; A step's weight is w(d) = |d| if |d| <= ceiling else 0: a bigger step is a scene edge, not a coding artefact.
;; With bytes, |a - b| is max_u(a, b) - min_u(a, b) (no widening needed), and the ceiling test is one le_u mask.
;; The per-vector and per-segment work is written out in each hot loop rather than called: Node 20's V8 does
;; not inline wasm calls, and a call per segment or block cost a third of the measure. Helpers run per row.
(module
  (memory (export "memory") 1)

;; Maps the first $length bytes from limited to full range in place, exactly as swscale's gray output does:
  ;; round((y - 16) * 255 / 219), clamped to 0..255. With v = y - 16 (saturating at 0), that is
  ;; v + q15mulr(v, 5387) narrowed with saturation: checked equal for all 256 codes (blocking-kernel.test.ts).
  ;; Whole vectors only: the caller rounds $length up to 16 (the bytes past the plane are scratch).
  (func (export "stretch_to_full_range") (param $length i32)
    (local $at i32)
    (local $v v128)
    (local $low v128)
    (local $high v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $length)))
        (local.set $v (i8x16.sub_sat_u (v128.load (local.get $at)) (i8x16.splat (i32.const 16))))
        (local.set $low (i16x8.extend_low_i8x16_u (local.get $v)))
        (local.set $high (i16x8.extend_high_i8x16_u (local.get $v)))
        (local.set $low
          (i16x8.add (local.get $low) (i16x8.q15mulr_sat_s (local.get $low) (i16x8.splat (i32.const 5387)))))
        (local.set $high
          (i16x8.add (local.get $high) (i16x8.q15mulr_sat_s (local.get $high) (i16x8.splat (i32.const 5387)))))
        (v128.store (local.get $at) (i8x16.narrow_i16x8_u (local.get $low) (local.get $high)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next))))

;; The picture's surface, before any stretch: over every $step-th row (all of its pixels), how many pixels sit
  ;; within 4 codes of mid-grey (124..132), how many were read, and the sum and sum of squares of their codes
  ;; (for the spread). Per row the sums stay in u32 (a row's squares up to 66 051 pixels * 255^2 < 2^32); the totals
  ;; are f64, exact far past any picture's (2^53).
  (func (export "surface") (param $width i32) (param $height i32) (param $step i32) (result i32 i32 f64 f64)
    (local $y i32)
    (local $x i32)
    (local $row i32)
    (local $vectors_end i32)
    (local $p v128)
    (local $grey_lanes v128)
    (local $sum_lanes v128)
    (local $square_lanes v128)
    (local $grey i32)
    (local $count i32)
    (local $sum f64)
    (local $squares f64)
    (local $row_sum i32)
    (local $row_squares i32)
    (local $luma i32)
    (local.set $vectors_end (i32.and (local.get $width) (i32.const -16)))
    (block $rows_done
      (loop $next_row
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $row (i32.mul (local.get $y) (local.get $width)))
        (local.set $grey_lanes (v128.const i64x2 0 0))
        (local.set $sum_lanes (v128.const i64x2 0 0))
        (local.set $square_lanes (v128.const i64x2 0 0))
        (local.set $x (i32.const 0))
        (block $vectors_done
          (loop $next_vector
            (br_if $vectors_done (i32.ge_u (local.get $x) (local.get $vectors_end)))
            (local.set $p (v128.load (i32.add (local.get $row) (local.get $x))))
            ;; 1 a grey pixel: (124 <= p) and (p <= 132), as 0/-1 bytes, masked to 0/1.
            (local.set $grey_lanes
              (i32x4.add (local.get $grey_lanes)
                (i32x4.extadd_pairwise_i16x8_u
                  (i16x8.extadd_pairwise_i8x16_u
                    (v128.and
                      (v128.and
                        (i8x16.ge_u (local.get $p) (i8x16.splat (i32.const 124)))
                        (i8x16.le_u (local.get $p) (i8x16.splat (i32.const 132))))
                      (i8x16.splat (i32.const 1)))))))
            (local.set $sum_lanes
              (i32x4.add (local.get $sum_lanes)
                (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $p)))))
            (local.set $square_lanes
              (i32x4.add (local.get $square_lanes)
                (i32x4.add
                  (i32x4.extadd_pairwise_i16x8_u (i16x8.extmul_low_i8x16_u (local.get $p) (local.get $p)))
                  (i32x4.extadd_pairwise_i16x8_u (i16x8.extmul_high_i8x16_u (local.get $p) (local.get $p))))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $next_vector)))
        (local.set $grey (i32.add (local.get $grey) (call $sum_lanes (local.get $grey_lanes))))
        (local.set $row_sum (call $sum_lanes (local.get $sum_lanes)))
        (local.set $row_squares (call $sum_lanes (local.get $square_lanes)))
        ;; The pixels past the last whole vector.
        (block $tail_done
          (loop $next_pixel
            (br_if $tail_done (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $luma (i32.load8_u (i32.add (local.get $row) (local.get $x))))
            (local.set $grey
              (i32.add (local.get $grey)
                (i32.le_u (i32.sub (local.get $luma) (i32.const 124)) (i32.const 8))))
            (local.set $row_sum (i32.add (local.get $row_sum) (local.get $luma)))
            (local.set $row_squares
              (i32.add (local.get $row_squares) (i32.mul (local.get $luma) (local.get $luma))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $next_pixel)))
        (local.set $sum (f64.add (local.get $sum) (f64.convert_i32_u (local.get $row_sum))))
        (local.set $squares (f64.add (local.get $squares) (f64.convert_i32_u (local.get $row_squares))))
        (local.set $count (i32.add (local.get $count) (local.get $width)))
        (local.set $y (i32.add (local.get $y) (local.get $step)))
        (br $next_row)))
    (local.get $grey)
    (local.get $count)
    (local.get $sum)
    (local.get $squares))

    ;; Scalar w(a - b), for the tails a vector does not fit.
  (func $weight (param $a i32) (param $b i32) (param $ceiling i32) (result i32)
    (local $size i32)
    (local.set $size
      (select
        (i32.sub (local.get $a) (local.get $b))
        (i32.sub (local.get $b) (local.get $a))
        (i32.ge_u (local.get $a) (local.get $b))))
    (select (local.get $size) (i32.const 0) (i32.le_u (local.get $size) (local.get $ceiling))))

  (func $sum_lanes (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; Adds the u16 running sums into the u32 columns and clears them. Both buffers hold $lanes entries, a
  ;; multiple of 16, so whole vectors never spill past them.
  (func $flush (param $acc i32) (param $columns i32) (param $lanes i32)
    (local $i i32)
    (local $sums v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $lanes)))
        (local.set $sums (v128.load (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 1)))))
        (v128.store
          (i32.add (local.get $columns) (i32.shl (local.get $i) (i32.const 2)))
          (i32x4.add
            (v128.load (i32.add (local.get $columns) (i32.shl (local.get $i) (i32.const 2))))
            (i32x4.extend_low_i16x8_u (local.get $sums))))
        (v128.store offset=16
          (i32.add (local.get $columns) (i32.shl (local.get $i) (i32.const 2)))
          (i32x4.add
            (v128.load offset=16 (i32.add (local.get $columns) (i32.shl (local.get $i) (i32.const 2))))
            (i32x4.extend_high_i16x8_u (local.get $sums))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $lanes) (i32.const 1))))

  ;; One row's column steps for x < $x_end (a multiple of 16), added to the u16 sums at $acc.
  ;; 16 steps read pixels x .. x+16, so the last vector may read one pixel past the row (the next row's first
  ;; pixel, or the padding after the plane): that lane is column width-1, no step of this row, and lands in the
  ;; padding entry that is never returned.
  (func $column_vectors (param $row i32) (param $x_end i32) (param $acc i32) (param $limit v128)
    (local $x i32) (local $at i32) (local $left v128) (local $right v128) (local $steps v128)
    (block $done
      (loop $next_vector
        (br_if $done (i32.ge_u (local.get $x) (local.get $x_end)))
        (local.set $left (v128.load (i32.add (local.get $row) (local.get $x))))
        (local.set $right (v128.load offset=1 (i32.add (local.get $row) (local.get $x))))
        (local.set $steps
          (i8x16.sub (i8x16.max_u (local.get $left) (local.get $right))
                     (i8x16.min_u (local.get $left) (local.get $right))))
        (local.set $steps (v128.and (local.get $steps) (i8x16.le_u (local.get $steps) (local.get $limit))))
        (local.set $at (i32.add (local.get $acc) (i32.shl (local.get $x) (i32.const 1))))
        (v128.store (local.get $at)
          (i16x8.add (v128.load (local.get $at)) (i16x8.extend_low_i8x16_u (local.get $steps))))
        (v128.store offset=16 (local.get $at)
          (i16x8.add (v128.load offset=16 (local.get $at)) (i16x8.extend_high_i8x16_u (local.get $steps))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $next_vector))))

  ;; The sampled row steps between rows $top and $top + $width for x < $x_end. The weights are summed pairwise
  ;; into u16 lanes over chunks of 128 vectors (at most 128 * 2 * 255 = 65280, no overflow), then into u32.
  ;; $sampled keeps the lanes with x % step == 0: every vector starts on a sampled column when step divides 16.
  (func $row_vectors (param $top i32) (param $width i32) (param $x_end i32) (param $limit v128) (param $sampled v128)
    (result i32)
    (local $x i32) (local $chunk_end i32) (local $above v128) (local $below v128) (local $steps v128)
    (local $pairs v128) (local $sums v128)
    (block $done
      (loop $next_chunk
        (br_if $done (i32.ge_u (local.get $x) (local.get $x_end)))
        (local.set $chunk_end (i32.add (local.get $x) (i32.const 2048)))
        (local.set $chunk_end
          (select (local.get $chunk_end) (local.get $x_end) (i32.lt_u (local.get $chunk_end) (local.get $x_end))))
        (local.set $pairs (v128.const i64x2 0 0))
        (loop $next_vector
          (local.set $above (v128.load (i32.add (local.get $top) (local.get $x))))
          (local.set $below (v128.load (i32.add (i32.add (local.get $top) (local.get $width)) (local.get $x))))
          (local.set $steps
            (v128.and
              (i8x16.sub (i8x16.max_u (local.get $above) (local.get $below))
                         (i8x16.min_u (local.get $above) (local.get $below)))
              (local.get $sampled)))
          (local.set $steps (v128.and (local.get $steps) (i8x16.le_u (local.get $steps) (local.get $limit))))
          (local.set $pairs (i16x8.add (local.get $pairs) (i16x8.extadd_pairwise_i8x16_u (local.get $steps))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $next_vector (i32.lt_u (local.get $x) (local.get $chunk_end))))
        (local.set $sums (i32x4.add (local.get $sums) (i32x4.extadd_pairwise_i16x8_u (local.get $pairs))))
        (br $next_chunk)))
    (call $sum_lanes (local.get $sums)))

  ;; $column_vectors and $row_vectors in one pass, for a row that feeds both profiles: its pixels are loaded
  ;; once instead of twice.
  (func $column_and_row_vectors
    (param $top i32) (param $width i32) (param $x_end i32) (param $acc i32) (param $limit v128)
    (param $sampled v128) (result i32)
    (local $x i32) (local $chunk_end i32) (local $at i32) (local $above v128) (local $right v128)
    (local $below v128) (local $steps v128) (local $pairs v128) (local $sums v128)
    (block $done
      (loop $next_chunk
        (br_if $done (i32.ge_u (local.get $x) (local.get $x_end)))
        (local.set $chunk_end (i32.add (local.get $x) (i32.const 2048)))
        (local.set $chunk_end
          (select (local.get $chunk_end) (local.get $x_end) (i32.lt_u (local.get $chunk_end) (local.get $x_end))))
        (local.set $pairs (v128.const i64x2 0 0))
        (loop $next_vector
          (local.set $above (v128.load (i32.add (local.get $top) (local.get $x))))
          (local.set $right (v128.load offset=1 (i32.add (local.get $top) (local.get $x))))
          (local.set $below (v128.load (i32.add (i32.add (local.get $top) (local.get $width)) (local.get $x))))
          ;; Column steps, as in $column_vectors.
          (local.set $steps
            (i8x16.sub (i8x16.max_u (local.get $above) (local.get $right))
                       (i8x16.min_u (local.get $above) (local.get $right))))
          (local.set $steps (v128.and (local.get $steps) (i8x16.le_u (local.get $steps) (local.get $limit))))
          (local.set $at (i32.add (local.get $acc) (i32.shl (local.get $x) (i32.const 1))))
          (v128.store (local.get $at)
            (i16x8.add (v128.load (local.get $at)) (i16x8.extend_low_i8x16_u (local.get $steps))))
          (v128.store offset=16 (local.get $at)
            (i16x8.add (v128.load offset=16 (local.get $at)) (i16x8.extend_high_i8x16_u (local.get $steps))))
          ;; Row steps, as in $row_vectors.
          (local.set $steps
            (v128.and
              (i8x16.sub (i8x16.max_u (local.get $above) (local.get $below))
                         (i8x16.min_u (local.get $above) (local.get $below)))
              (local.get $sampled)))
          (local.set $steps (v128.and (local.get $steps) (i8x16.le_u (local.get $steps) (local.get $limit))))
          (local.set $pairs (i16x8.add (local.get $pairs) (i16x8.extadd_pairwise_i8x16_u (local.get $steps))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $next_vector (i32.lt_u (local.get $x) (local.get $chunk_end))))
        (local.set $sums (i32x4.add (local.get $sums) (i32x4.extadd_pairwise_i16x8_u (local.get $pairs))))
        (br $next_chunk)))
    (call $sum_lanes (local.get $sums)))

  ;; Scalar column steps of one row from $x to the row's last step.
  (func $column_tail (param $row i32) (param $x i32) (param $width i32) (param $acc i32) (param $ceiling i32)
    (local $at i32)
    (block $done
      (loop $next_pixel
        (br_if $done (i32.ge_u (i32.add (local.get $x) (i32.const 1)) (local.get $width)))
        (local.set $at (i32.add (local.get $acc) (i32.shl (local.get $x) (i32.const 1))))
        (i32.store16 (local.get $at)
          (i32.add
            (i32.load16_u (local.get $at))
            (call $weight
              (i32.load8_u offset=1 (i32.add (local.get $row) (local.get $x)))
              (i32.load8_u (i32.add (local.get $row) (local.get $x)))
              (local.get $ceiling))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $next_pixel))))

  ;; Scalar row steps below row $top at x, x + step, ... (x must be a sampled column).
  (func $row_tail (param $top i32) (param $x i32) (param $width i32) (param $step i32) (param $ceiling i32)
    (result i32)
    (local $sum i32)
    (block $done
      (loop $next_pixel
        (br_if $done (i32.ge_u (local.get $x) (local.get $width)))
        (local.set $sum
          (i32.add (local.get $sum)
            (call $weight
              (i32.load8_u (i32.add (i32.add (local.get $top) (local.get $width)) (local.get $x)))
              (i32.load8_u (i32.add (local.get $top) (local.get $x)))
              (local.get $ceiling))))
        (local.set $x (i32.add (local.get $x) (local.get $step)))
        (br $next_pixel)))
    (local.get $sum))

  ;; Both step profiles in one pass over the rows:
  ;;   columns[x] = sum over rows y with y % step == 0 of w(p[y][x+1] - p[y][x]), for x < width - 1;
  ;;   rows[y]    = sum over columns x with x % step == 0 of w(p[y+1][x] - p[y][x]), for y < height - 1.
  ;; Column sums gather in u16 lanes (half the memory traffic of u32) and are flushed to u32 every 256 sampled
  ;; rows, before 256 * 255 could overflow 65535. Row steps take vectors when step divides 16 (1, 2, 4, 8, 16),
  ;; else a scalar loop.
  (func (export "step_profiles")
    (param $width i32) (param $height i32) (param $step i32) (param $ceiling i32)
    (param $acc i32) (param $columns i32) (param $rows i32)
    (local $lanes i32) (local $x_end i32) (local $vectors i32) (local $y i32) (local $top i32)
    (local $next_sampled i32) (local $band i32) (local $sum i32) (local $limit v128) (local $sampled v128)
    (local.set $lanes (i32.and (i32.add (local.get $width) (i32.const 15)) (i32.const -16)))
    (local.set $x_end (i32.and (local.get $width) (i32.const -16)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $lanes) (i32.const 1)))
    (memory.fill (local.get $columns) (i32.const 0) (i32.shl (local.get $lanes) (i32.const 2)))
    (local.set $limit (i8x16.splat (local.get $ceiling)))
    (local.set $vectors (i32.eqz (i32.rem_u (i32.const 16) (local.get $step))))
    ;; Lane i is kept when i % step == 0, i.e. i & (step - 1) == 0 for a power of two.
    (local.set $sampled
      (i8x16.eq
        (v128.and
          (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
          (i8x16.splat (i32.sub (local.get $step) (i32.const 1))))
        (v128.const i64x2 0 0)))
    (block $rows_done
      (loop $next_row
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $top (i32.mul (local.get $y) (local.get $width)))
        (if (i32.lt_u (i32.add (local.get $y) (i32.const 1)) (local.get $height))
          (then
            (if (local.get $vectors)
              (then
                (local.set $sum
                  (if (result i32) (i32.eq (local.get $y) (local.get $next_sampled))
                    (then
                      (call $column_and_row_vectors (local.get $top) (local.get $width) (local.get $x_end)
                        (local.get $acc) (local.get $limit) (local.get $sampled)))
                    (else
                      (call $row_vectors (local.get $top) (local.get $width) (local.get $x_end)
                        (local.get $limit) (local.get $sampled)))))
                ;; x_end is a multiple of 16, hence of step: the tail stays on sampled columns.
                (local.set $sum
                  (i32.add (local.get $sum)
                    (call $row_tail (local.get $top) (local.get $x_end) (local.get $width) (local.get $step)
                      (local.get $ceiling)))))
              (else
                (if (i32.eq (local.get $y) (local.get $next_sampled))
                  (then (call $column_vectors (local.get $top) (local.get $x_end) (local.get $acc) (local.get $limit))))
                (local.set $sum
                  (call $row_tail (local.get $top) (i32.const 0) (local.get $width) (local.get $step)
                    (local.get $ceiling)))))
            (i32.store (i32.add (local.get $rows) (i32.shl (local.get $y) (i32.const 2))) (local.get $sum)))
          (else
            ;; The last row has no row step below it, only column steps (when sampled).
            (if (i32.eq (local.get $y) (local.get $next_sampled))
              (then (call $column_vectors (local.get $top) (local.get $x_end) (local.get $acc) (local.get $limit))))))
        (if (i32.eq (local.get $y) (local.get $next_sampled))
          (then
            (call $column_tail (local.get $top) (local.get $x_end) (local.get $width) (local.get $acc)
              (local.get $ceiling))
            (local.set $next_sampled (i32.add (local.get $next_sampled) (local.get $step)))
            (local.set $band (i32.add (local.get $band) (i32.const 1)))
            (if (i32.eq (local.get $band) (i32.const 256))
              (then
                (call $flush (local.get $acc) (local.get $columns) (local.get $lanes))
                (local.set $band (i32.const 0))))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $next_row)))
    (call $flush (local.get $acc) (local.get $columns) (local.get $lanes)))

  ;; Broken block edges. A segment of $segment pixels (8 or 16) across an edge is broken when its step is far
  ;; above the steps one pixel before and after it: edge/n > 3*beside/(2n) + 4 in the float code, which times
  ;; 2n is exactly 2*edge - 3*beside > 8n (all terms are integers; both sides keep the strict >).
  ;; Edges lie at $first, $first + $period, ... (columns for vertical edges, rows for horizontal ones); segments
  ;; start at pixel 0 along the edge. Returns (broken segments, segments), horizontal edges first.
  (func (export "broken_edges")
    (param $width i32) (param $height i32) (param $period i32) (param $first i32) (param $segment i32)
    (result i32 i32)
    (local $broken i32) (local $segments i32) (local $y i32) (local $x i32) (local $at i32) (local $group i32)
    (local $groups i32) (local $limit i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $edge v128) (local $beside v128)
    (local $pixels v128) (local $steps v128) (local $score v128) (local $low i32) (local $high i32)
    (local.set $limit (i32.shl (local.get $segment) (i32.const 3)))
    (local.set $groups (i32.shr_u (local.get $segment) (i32.const 2)))
    ;; Horizontal edges (between rows y-1 and y): a segment is adjacent bytes in each of rows y-2 .. y+1, read
    ;; a vector (16 columns) at a time: one 16-pixel segment, or two 8-pixel ones (the second only when it fits
    ;; in the row; else its lanes hold the next row's pixels and are not counted).
    ;; Per u16 lane (two columns) 2*edge <= 1020 and 3*beside <= 3060, so 2*edge - 3*beside fits in i16; per
    ;; i32 lane (four columns) the score of those columns, so lanes 0-1 score the first 8 pixels, 2-3 the next.
    (local.set $y (local.get $first))
    (block $h_done
      (loop $next_h_edge
        (br_if $h_done (i32.ge_u (i32.add (local.get $y) (i32.const 1)) (local.get $height)))
        (local.set $x (i32.const 0))
        (block $h_row_done
          (loop $next_h_segment
            (br_if $h_row_done
              (i32.gt_u (i32.add (local.get $x) (local.get $segment)) (local.get $width)))
            (local.set $at (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)))
            (local.set $r0 (v128.load (i32.sub (local.get $at) (i32.shl (local.get $width) (i32.const 1)))))
            (local.set $r1 (v128.load (i32.sub (local.get $at) (local.get $width))))
            (local.set $r2 (v128.load (local.get $at)))
            (local.set $r3 (v128.load (i32.add (local.get $at) (local.get $width))))
            (local.set $edge
              (i16x8.extadd_pairwise_i8x16_u
                (i8x16.sub (i8x16.max_u (local.get $r1) (local.get $r2))
                           (i8x16.min_u (local.get $r1) (local.get $r2)))))
            (local.set $beside
              (i16x8.add
                (i16x8.extadd_pairwise_i8x16_u
                  (i8x16.sub (i8x16.max_u (local.get $r0) (local.get $r1))
                             (i8x16.min_u (local.get $r0) (local.get $r1))))
                (i16x8.extadd_pairwise_i8x16_u
                  (i8x16.sub (i8x16.max_u (local.get $r2) (local.get $r3))
                             (i8x16.min_u (local.get $r2) (local.get $r3))))))
            (local.set $score
              (i32x4.extadd_pairwise_i16x8_s
                (i16x8.sub
                  (i16x8.shl (local.get $edge) (i32.const 1))
                  (i16x8.add (local.get $beside) (i16x8.shl (local.get $beside) (i32.const 1))))))
            (local.set $low
              (i32.add (i32x4.extract_lane 0 (local.get $score)) (i32x4.extract_lane 1 (local.get $score))))
            (local.set $high
              (i32.add (i32x4.extract_lane 2 (local.get $score)) (i32x4.extract_lane 3 (local.get $score))))
            ;; A 16-pixel segment is the whole vector; of two 8-pixel ones the second counts when it fits.
            (if (i32.eq (local.get $segment) (i32.const 16))
              (then (local.set $low (i32.add (local.get $low) (local.get $high)))))
            (local.set $broken (i32.add (local.get $broken) (i32.gt_s (local.get $low) (local.get $limit))))
            (local.set $segments (i32.add (local.get $segments) (i32.const 1)))
            (if (i32.and (i32.eq (local.get $segment) (i32.const 8))
                  (i32.le_u (i32.add (local.get $x) (i32.const 16)) (local.get $width)))
              (then
                (local.set $broken (i32.add (local.get $broken) (i32.gt_s (local.get $high) (local.get $limit))))
                (local.set $segments (i32.add (local.get $segments) (i32.const 1)))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $next_h_segment)))
        (local.set $y (i32.add (local.get $y) (local.get $period)))
        (br $next_h_edge)))
    ;; Vertical edges (between columns x-1 and x) are strided: each row holds 4 bytes of a segment, x-2 .. x+1.
    ;; Four rows go into one vector as four u32 lanes [a b c d]; shifting each lane right by 8 bits lines up
    ;; [b c d 0], so one byte-wise |difference| gives [|a-b| |b-c| |c-d| junk] = [beside edge beside junk].
    ;; A dot product with (-3 2 -3 0) per pixel group then yields 2*edge - 3*beside directly.
    ;; Bands of rows outside, edges inside: the band (30 KB at 1080p) stays in L1 while all its edges are read.
    (local.set $y (i32.const 0))
    (block $v_done
      (loop $next_v_band
        (br_if $v_done (i32.gt_u (i32.add (local.get $y) (local.get $segment)) (local.get $height)))
        (local.set $x (local.get $first))
        (block $v_band_done
          (loop $next_v_segment
            (br_if $v_band_done (i32.ge_u (i32.add (local.get $x) (i32.const 1)) (local.get $width)))
            (local.set $score (v128.const i64x2 0 0))
            (local.set $at
              (i32.sub (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)) (i32.const 2)))
            (local.set $group (i32.const 0))
            (loop $next_group
              (local.set $pixels (v128.load32_splat (local.get $at)))
              (local.set $at (i32.add (local.get $at) (local.get $width)))
              (local.set $pixels (v128.load32_lane 1 (local.get $at) (local.get $pixels)))
              (local.set $at (i32.add (local.get $at) (local.get $width)))
              (local.set $pixels (v128.load32_lane 2 (local.get $at) (local.get $pixels)))
              (local.set $at (i32.add (local.get $at) (local.get $width)))
              (local.set $pixels (v128.load32_lane 3 (local.get $at) (local.get $pixels)))
              (local.set $at (i32.add (local.get $at) (local.get $width)))
              (local.set $steps (i32x4.shr_u (local.get $pixels) (i32.const 8)))
              (local.set $steps
                (i8x16.sub (i8x16.max_u (local.get $pixels) (local.get $steps))
                           (i8x16.min_u (local.get $pixels) (local.get $steps))))
              (local.set $score
                (i32x4.add (local.get $score)
                  (i32x4.add
                    (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $steps))
                                       (v128.const i16x8 -3 2 -3 0 -3 2 -3 0))
                    (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $steps))
                                       (v128.const i16x8 -3 2 -3 0 -3 2 -3 0)))))
              (local.set $group (i32.add (local.get $group) (i32.const 1)))
              (br_if $next_group (i32.lt_u (local.get $group) (local.get $groups))))
            (local.set $broken
              (i32.add (local.get $broken)
                (i32.gt_s
                  (i32.add
                    (i32.add (i32x4.extract_lane 0 (local.get $score)) (i32x4.extract_lane 1 (local.get $score)))
                    (i32.add (i32x4.extract_lane 2 (local.get $score)) (i32x4.extract_lane 3 (local.get $score))))
                  (local.get $limit))))
            (local.set $segments (i32.add (local.get $segments) (i32.const 1)))
            (local.set $x (i32.add (local.get $x) (local.get $period)))
            (br $next_v_segment)))
        (local.set $y (i32.add (local.get $y) (local.get $segment)))
        (br $next_v_band)))
    (local.get $broken)
    (local.get $segments))

  ;; Terraces: the mark a starved encoder leaves even through a deblocking filter. Blocks of $block pixels
  ;; (8 or 16) are laid on a grid starting at ($offset, $offset); each block's core, its central square of half
  ;; the block's side (a quarter block in from each edge, where a deblocking filter does not reach), gives a
  ;; sum and a range (max - min). Two neighbouring blocks (left-right, top-bottom) form a terrace when their core
  ;; means differ by at least 3 levels and by more than both cores' ranges plus one: two flat plateaus at
  ;; different levels, a staircase rather than a slope or a texture. With core area A, in integers:
  ;; |sum_a - sum_b| >= 3A and |sum_a - sum_b| > (range_a + range_b + 1) * A.
  ;; Returns (terraces, pairs) of left-right neighbours, then of top-bottom neighbours.
  ;;
  ;; Per band of blocks, the core's rows are first reduced column by column in vectors (min, max, sum of the
  ;; core rows for every column) into scratch at $scratch: min and max a byte a column, sums a u16 a column
  ;; (8 rows of 255 at most); then windows of $core columns reduce those (see below), each block reads its core
  ;; from the window at its first core column, and is compared with the block to its
  ;; left and the one above it (kept from the previous band at $scratch + 4 * lanes, a (sum, range) pair of i32
  ;; per block). Vectors may read up to 15 bytes past a row: those lanes are columns past the width, never read
  ;; back.
  (func (export "terraces")
    (param $width i32) (param $height i32) (param $block i32) (param $offset i32) (param $scratch i32)
    (result i32 i32 i32 i32)
    (local $core i32) (local $inset i32) (local $area i32) (local $lanes i32) (local $columns i32)
    (local $rows i32) (local $band i32) (local $top i32) (local $x i32) (local $r i32) (local $at i32)
    (local $min v128) (local $max v128) (local $v v128) (local $sums_low v128) (local $sums_high v128)
    (local $mins i32) (local $maxes i32) (local $sums i32) (local $above i32) (local $i i32) (local $c i32)
    (local $lo i32) (local $hi i32) (local $sum i32) (local $q i32) (local $range i32)
    (local $left_sum i32) (local $left_range i32) (local $terraces i32) (local $pairs i32)
    (local $terraces_v i32) (local $pairs_v i32) (local $difference i32) (local $min_difference i32)
    (local $above_sum i32) (local $sums_at i32)
    (local.set $core (i32.shr_u (local.get $block) (i32.const 1)))
    (local.set $inset (i32.shr_u (local.get $block) (i32.const 2)))
    (local.set $area (i32.mul (local.get $core) (local.get $core)))
    (local.set $min_difference (i32.mul (i32.const 3) (local.get $area)))
    (local.set $lanes (i32.and (i32.add (local.get $width) (i32.const 15)) (i32.const -16)))
    (local.set $mins (local.get $scratch))
    (local.set $maxes (i32.add (local.get $scratch) (local.get $lanes)))
    (local.set $sums (i32.add (local.get $scratch) (i32.shl (local.get $lanes) (i32.const 1))))
    (local.set $above (i32.add (local.get $scratch) (i32.shl (local.get $lanes) (i32.const 2))))
    (if (i32.or (i32.ge_u (local.get $offset) (local.get $width)) (i32.ge_u (local.get $offset) (local.get $height)))
      (then (return (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
    (local.set $columns (i32.div_u (i32.sub (local.get $width) (local.get $offset)) (local.get $block)))
    (local.set $rows (i32.div_u (i32.sub (local.get $height) (local.get $offset)) (local.get $block)))
    (block $bands_done
      (loop $next_band
        (br_if $bands_done (i32.ge_u (local.get $band) (local.get $rows)))
        (local.set $top
          (i32.add (i32.add (local.get $offset) (i32.mul (local.get $band) (local.get $block))) (local.get $inset)))
        ;; Column-wise min, max and sum of the core rows top .. top + core - 1.
        (local.set $x (i32.const 0))
        (block $columns_done
          (loop $next_vector
            (br_if $columns_done (i32.ge_u (local.get $x) (local.get $lanes)))
            (local.set $at (i32.add (i32.mul (local.get $top) (local.get $width)) (local.get $x)))
            (local.set $v (v128.load (local.get $at)))
            (local.set $min (local.get $v))
            (local.set $max (local.get $v))
            (local.set $sums_low (i16x8.extend_low_i8x16_u (local.get $v)))
            (local.set $sums_high (i16x8.extend_high_i8x16_u (local.get $v)))
            (local.set $r (i32.const 1))
            (block $core_done
              (loop $next_row
                (br_if $core_done (i32.ge_u (local.get $r) (local.get $core)))
                (local.set $at (i32.add (local.get $at) (local.get $width)))
                (local.set $v (v128.load (local.get $at)))
                (local.set $min (i8x16.min_u (local.get $min) (local.get $v)))
                (local.set $max (i8x16.max_u (local.get $max) (local.get $v)))
                (local.set $sums_low (i16x8.add (local.get $sums_low) (i16x8.extend_low_i8x16_u (local.get $v))))
                (local.set $sums_high
                  (i16x8.add (local.get $sums_high) (i16x8.extend_high_i8x16_u (local.get $v))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $next_row)))
            (v128.store (i32.add (local.get $mins) (local.get $x)) (local.get $min))
            (v128.store (i32.add (local.get $maxes) (local.get $x)) (local.get $max))
            (v128.store (i32.add (local.get $sums) (i32.shl (local.get $x) (i32.const 1))) (local.get $sums_low))
            (v128.store offset=16
              (i32.add (local.get $sums) (i32.shl (local.get $x) (i32.const 1))) (local.get $sums_high))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $next_vector)))
        ;; Each column's window of $core columns (the core of a block that starts there): min, max and sum, 16
        ;; columns a vector and in place, ascending (sums: two vectors of eight u16, $core * $core * 255 <= 16320
        ;; fits). A vector's loads are done before it is stored, and they reach at most $core - 1 columns into the
        ;; next vector, not yet rewritten; windows reaching past the width (into the next buffer) belong to no block.
        (local.set $x (i32.const 0))
        (block $windows_done
          (loop $next_window
            (br_if $windows_done (i32.ge_u (local.get $x) (local.get $lanes)))
            (local.set $at (i32.add (local.get $mins) (local.get $x)))
            (local.set $sums_at (i32.add (local.get $sums) (i32.shl (local.get $x) (i32.const 1))))
            (local.set $min (v128.load (local.get $at)))
            (local.set $max (v128.load (i32.add (local.get $maxes) (local.get $x))))
            (local.set $sums_low (v128.load (local.get $sums_at)))
            (local.set $sums_high (v128.load offset=16 (local.get $sums_at)))
            (local.set $c (i32.const 1))
            (loop $next_offset
              (local.set $min
                (i8x16.min_u (local.get $min) (v128.load (i32.add (local.get $at) (local.get $c)))))
              (local.set $max
                (i8x16.max_u (local.get $max)
                  (v128.load (i32.add (i32.add (local.get $maxes) (local.get $x)) (local.get $c)))))
              (local.set $sums_low
                (i16x8.add (local.get $sums_low)
                  (v128.load (i32.add (local.get $sums_at) (i32.shl (local.get $c) (i32.const 1))))))
              (local.set $sums_high
                (i16x8.add (local.get $sums_high)
                  (v128.load offset=16 (i32.add (local.get $sums_at) (i32.shl (local.get $c) (i32.const 1))))))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br_if $next_offset (i32.lt_u (local.get $c) (local.get $core))))
            (v128.store (local.get $at) (local.get $min))
            (v128.store (i32.add (local.get $maxes) (local.get $x)) (local.get $max))
            (v128.store (local.get $sums_at) (local.get $sums_low))
            (v128.store offset=16 (local.get $sums_at) (local.get $sums_high))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $next_window)))
        ;; Each block's core from its first column's window, compared with its left and upper neighbours.
        (local.set $i (i32.const 0))
        (block $blocks_done
          (loop $next_block
            (br_if $blocks_done (i32.ge_u (local.get $i) (local.get $columns)))
            (local.set $x
              (i32.add (i32.add (local.get $offset) (i32.mul (local.get $i) (local.get $block))) (local.get $inset)))
            (local.set $lo (i32.load8_u (i32.add (local.get $mins) (local.get $x))))
            (local.set $hi (i32.load8_u (i32.add (local.get $maxes) (local.get $x))))
            (local.set $sum (i32.load16_u (i32.add (local.get $sums) (i32.shl (local.get $x) (i32.const 1)))))
            (local.set $range (i32.sub (local.get $hi) (local.get $lo)))
            (local.set $at (i32.add (local.get $above) (i32.shl (local.get $i) (i32.const 3))))
            (if (i32.gt_u (local.get $i) (i32.const 0))
              (then
                (local.set $pairs (i32.add (local.get $pairs) (i32.const 1)))
                (local.set $terraces
                  (i32.add (local.get $terraces)
                    (i32.and
                      (i32.ge_u
                        (local.tee $difference
                          (select
                            (i32.sub (local.get $sum) (local.get $left_sum))
                            (i32.sub (local.get $left_sum) (local.get $sum))
                            (i32.ge_u (local.get $sum) (local.get $left_sum))))
                        (local.get $min_difference))
                      (i32.gt_u (local.get $difference)
                        (i32.mul (i32.add (i32.add (local.get $range) (local.get $left_range)) (i32.const 1))
                          (local.get $area))))))))
            (if (i32.gt_u (local.get $band) (i32.const 0))
              (then
                (local.set $pairs_v (i32.add (local.get $pairs_v) (i32.const 1)))
                (local.set $above_sum (i32.load (local.get $at)))
                (local.set $terraces_v
                  (i32.add (local.get $terraces_v)
                    (i32.and
                      (i32.ge_u
                        (local.tee $difference
                          (select
                            (i32.sub (local.get $sum) (local.get $above_sum))
                            (i32.sub (local.get $above_sum) (local.get $sum))
                            (i32.ge_u (local.get $sum) (local.get $above_sum))))
                        (local.get $min_difference))
                      (i32.gt_u (local.get $difference)
                        (i32.mul (i32.add (i32.add (local.get $range) (i32.load offset=4 (local.get $at))) (i32.const 1))
                          (local.get $area))))))))
            (i32.store (local.get $at) (local.get $sum))
            (i32.store offset=4 (local.get $at) (local.get $range))
            (local.set $left_sum (local.get $sum))
            (local.set $left_range (local.get $range))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next_block)))
        (local.set $band (i32.add (local.get $band) (i32.const 1)))
        (br $next_band)))
    (local.get $terraces)
    (local.get $pairs)
    (local.get $terraces_v)
    (local.get $pairs_v)))
