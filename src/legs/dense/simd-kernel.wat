;; Similarity kernels over float32 rows in linear memory, 128-bit SIMD.
;; Offsets are in bytes and 16-byte aligned; n is a float count, a multiple of 8 (rows are
;; zero-padded), so two accumulators run without a tail loop.
(module
  (memory (export "memory") 1)
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $end i32) (local $acc0 v128) (local $acc1 v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br $next)))
    (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
  (func $squaredL2 (export "squaredL2") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $end i32) (local $acc0 v128) (local $acc1 v128) (local $d v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br $next)))
    (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
  ;; Batched forms: row byte offsets read from $rows (u32 each), results written to $out (f32
  ;; each), so a graph search makes one call per expanded node instead of one per neighbour. Four
  ;; rows go through one loop together: each query chunk is loaded once for the four, and the four
  ;; rows' loads are in flight at once, so their cache misses overlap instead of following each
  ;; other. Each row keeps the accumulators and summation order of $dot / $squaredL2, so a batched
  ;; result is the single call's, bit for bit.
  (func (export "dotMany") (param $q i32) (param $rows i32) (param $count i32) (param $n i32) (param $out i32)
    (local $end i32) (local $end4 i32) (local $i i32) (local $len i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $qa v128) (local $qb v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128)
    (local $a2 v128) (local $b2 v128) (local $a3 v128) (local $b3 v128)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $rows) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (local.set $len (i32.shl (local.get $n) (i32.const 2)))
    (block $quadsDone
      (loop $quad
        (br_if $quadsDone (i32.ge_u (local.get $rows) (local.get $end4)))
        (local.set $r0 (i32.load (local.get $rows)))
        (local.set $r1 (i32.load offset=4 (local.get $rows)))
        (local.set $r2 (i32.load offset=8 (local.get $rows)))
        (local.set $r3 (i32.load offset=12 (local.get $rows)))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $b0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $b2 (v128.const i64x2 0 0))
        (local.set $a3 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
            (local.set $qa (v128.load (i32.add (local.get $q) (local.get $i))))
            (local.set $qb (v128.load offset=16 (i32.add (local.get $q) (local.get $i))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qa) (v128.load (i32.add (local.get $r0) (local.get $i))))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $qb) (v128.load offset=16 (i32.add (local.get $r0) (local.get $i))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qa) (v128.load (i32.add (local.get $r1) (local.get $i))))))
            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $qb) (v128.load offset=16 (i32.add (local.get $r1) (local.get $i))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qa) (v128.load (i32.add (local.get $r2) (local.get $i))))))
            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $qb) (v128.load offset=16 (i32.add (local.get $r2) (local.get $i))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qa) (v128.load (i32.add (local.get $r3) (local.get $i))))))
            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $qb) (v128.load offset=16 (i32.add (local.get $r3) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 32)))
            (br $next)))
        (f32.store (local.get $out) (call $sumLanes (f32x4.add (local.get $a0) (local.get $b0))))
        (f32.store offset=4 (local.get $out) (call $sumLanes (f32x4.add (local.get $a1) (local.get $b1))))
        (f32.store offset=8 (local.get $out) (call $sumLanes (f32x4.add (local.get $a2) (local.get $b2))))
        (f32.store offset=12 (local.get $out) (call $sumLanes (f32x4.add (local.get $a3) (local.get $b3))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $quad)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (f32.store (local.get $out) (call $dot (local.get $q) (i32.load (local.get $rows)) (local.get $n)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))
  (func (export "squaredL2Many") (param $q i32) (param $rows i32) (param $count i32) (param $n i32) (param $out i32)
    (local $end i32) (local $end4 i32) (local $i i32) (local $len i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $qa v128) (local $qb v128) (local $d v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128)
    (local $a2 v128) (local $b2 v128) (local $a3 v128) (local $b3 v128)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $rows) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (local.set $len (i32.shl (local.get $n) (i32.const 2)))
    (block $quadsDone
      (loop $quad
        (br_if $quadsDone (i32.ge_u (local.get $rows) (local.get $end4)))
        (local.set $r0 (i32.load (local.get $rows)))
        (local.set $r1 (i32.load offset=4 (local.get $rows)))
        (local.set $r2 (i32.load offset=8 (local.get $rows)))
        (local.set $r3 (i32.load offset=12 (local.get $rows)))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $b0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $b2 (v128.const i64x2 0 0))
        (local.set $a3 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
            (local.set $qa (v128.load (i32.add (local.get $q) (local.get $i))))
            (local.set $qb (v128.load offset=16 (i32.add (local.get $q) (local.get $i))))
            (local.set $d (f32x4.sub (local.get $qa) (v128.load (i32.add (local.get $r0) (local.get $i)))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (local.get $qb) (v128.load offset=16 (i32.add (local.get $r0) (local.get $i)))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (local.get $qa) (v128.load (i32.add (local.get $r1) (local.get $i)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (local.get $qb) (v128.load offset=16 (i32.add (local.get $r1) (local.get $i)))))
            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (local.get $qa) (v128.load (i32.add (local.get $r2) (local.get $i)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (local.get $qb) (v128.load offset=16 (i32.add (local.get $r2) (local.get $i)))))
            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (local.get $qa) (v128.load (i32.add (local.get $r3) (local.get $i)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (local.get $qb) (v128.load offset=16 (i32.add (local.get $r3) (local.get $i)))))
            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $i (i32.add (local.get $i) (i32.const 32)))
            (br $next)))
        (f32.store (local.get $out) (call $sumLanes (f32x4.add (local.get $a0) (local.get $b0))))
        (f32.store offset=4 (local.get $out) (call $sumLanes (f32x4.add (local.get $a1) (local.get $b1))))
        (f32.store offset=8 (local.get $out) (call $sumLanes (f32x4.add (local.get $a2) (local.get $b2))))
        (f32.store offset=12 (local.get $out) (call $sumLanes (f32x4.add (local.get $a3) (local.get $b3))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $quad)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (f32.store (local.get $out) (call $squaredL2 (local.get $q) (i32.load (local.get $rows)) (local.get $n)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))
  ;; The four lanes summed as $dot and $squaredL2 sum them.
  (func $sumLanes (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
  ;; Int8 scalar quantization: dot product of an i16 query row with a u8 code row, exact in i32.
  ;; $n is a multiple of 32 (code rows are zero-padded); the caller bounds |query| so that
  ;; 255 × max|q| × n fits in an i32. Offsets in bytes; both rows 16-byte aligned.
  (func $dotCodes (export "dotCodes") (param $q i32) (param $c i32) (param $n i32) (result i32)
    (local $end i32) (local $codes v128) (local $acc0 v128) (local $acc1 v128)
    (local.set $end (i32.add (local.get $c) (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
        (local.set $codes (v128.load (local.get $c)))
        (local.set $acc0 (i32x4.add (local.get $acc0)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $codes)) (v128.load (local.get $q)))))
        (local.set $acc1 (i32x4.add (local.get $acc1)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $codes)) (v128.load offset=16 (local.get $q)))))
        (local.set $codes (v128.load offset=16 (local.get $c)))
        (local.set $acc0 (i32x4.add (local.get $acc0)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $codes)) (v128.load offset=32 (local.get $q)))))
        (local.set $acc1 (i32x4.add (local.get $acc1)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $codes)) (v128.load offset=48 (local.get $q)))))
        (local.set $c (i32.add (local.get $c) (i32.const 32)))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (br $next)))
    (local.set $acc0 (i32x4.add (local.get $acc0) (local.get $acc1)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc0)) (i32x4.extract_lane 1 (local.get $acc0)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc0)) (i32x4.extract_lane 3 (local.get $acc0)))))
  (func (export "dotCodesMany") (param $q i32) (param $rows i32) (param $count i32) (param $n i32) (param $out i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (i32.store (local.get $out) (call $dotCodes (local.get $q) (i32.load (local.get $rows)) (local.get $n)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next)))))
