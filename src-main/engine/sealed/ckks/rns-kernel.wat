;; The RNS linear-combination kernel: C_u = C_u + Σ_r c_{u,r} · Y_r mod q, word by word.
;;
;; Why: in the lanes layout every layer is a sum of ciphertexts times scalar weights, and
;; SEAL does each term as its own multiplyPlain (a Barrett reduction per word, 64×64-bit
;; products emulated in WebAssembly) plus an addInplace. A ciphertext in NTT form is, per
;; prime, N independent words, so the whole sum is a small integer GEMM per prime:
;; products accumulate in 64-bit SIMD lanes and are reduced once per flush (lazy
;; reduction, and without a division), which gives the same residues as SEAL, the sum
;; mod q being unique. rns-kernel.ts holds the bounds that fix how many terms a flush may
;; sum, rns-combination.ts the layouts; `npm run build:wasm` assembles this file into
;; rns-kernel-wasm.ts.
;;
;; Residues of primes below 2^32 ("narrow") are u32 words; those of primes below 2^40
;; ("wide": the chain's 39-bit first prime) are split into 20-bit limbs lo and hi, and so
;; are their weights, so every product is a 32×32→64-bit extmul (pmuludq on x86-64).
;; Y is tile-major: a tile of `tileWords` words of all rows lies together, so the rows a
;; tile of accumulators reads stay in L1 while every unit uses them. C is plain, one row
;; of N words (u32 narrow, u64 wide) per unit and prime.
(module
  (memory (export "memory") 1)

  ;; u64 words (SEAL's layout) → their low 32 bits, in tiles of `tileWords` words placed
  ;; `tileStride` bytes apart.
  (func (export "unpack_narrow")
    (param $src i32) (param $dst i32) (param $tiles i32) (param $tileWords i32)
    (param $tileStride i32)
    (local $t i32) (local $d i32) (local $end i32)
    (loop $tile
      (local.set $d (local.get $dst))
      (local.set $end (i32.add (local.get $d) (i32.shl (local.get $tileWords) (i32.const 2))))
      (loop $word
        (v128.store (local.get $d)
          (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (v128.load (local.get $src))
            (v128.load offset=16 (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br_if $word (i32.lt_u (local.get $d) (local.get $end))))
      (local.set $dst (i32.add (local.get $dst) (local.get $tileStride)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $tile (i32.lt_u (local.get $t) (local.get $tiles)))))

  ;; u64 words below 2^40 → 20-bit limbs: lo at dst, hi at dst + hi, tiled as above.
  (func (export "unpack_wide")
    (param $src i32) (param $dst i32) (param $hi i32) (param $tiles i32) (param $tileWords i32)
    (param $tileStride i32)
    (local $t i32) (local $d i32) (local $end i32) (local $a v128) (local $b v128)
    (local $mask v128)
    (local.set $mask (v128.const i64x2 0xfffff 0xfffff))
    (loop $tile
      (local.set $d (local.get $dst))
      (local.set $end (i32.add (local.get $d) (i32.shl (local.get $tileWords) (i32.const 2))))
      (loop $word
        (local.set $a (v128.load (local.get $src)))
        (local.set $b (v128.load offset=16 (local.get $src)))
        (v128.store (local.get $d)
          (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (v128.and (local.get $a) (local.get $mask))
            (v128.and (local.get $b) (local.get $mask))))
        (v128.store (i32.add (local.get $d) (local.get $hi))
          (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (i64x2.shr_u (local.get $a) (i32.const 20))
            (i64x2.shr_u (local.get $b) (i32.const 20))))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br_if $word (i32.lt_u (local.get $d) (local.get $end))))
      (local.set $dst (i32.add (local.get $dst) (local.get $tileStride)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $tile (i32.lt_u (local.get $t) (local.get $tiles)))))

  ;; u32 residues → u64 words (SEAL's layout); `words` is a multiple of 4.
  (func (export "pack_narrow") (param $src i32) (param $dst i32) (param $words i32)
    (local $v v128) (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $words) (i32.const 2))))
    (loop $word
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (i64x2.extend_low_i32x4_u (local.get $v)))
      (v128.store offset=16 (local.get $dst) (i64x2.extend_high_i32x4_u (local.get $v)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (br_if $word (i32.lt_u (local.get $src) (local.get $end)))))

  ;; x mod q without a division: the quotient estimated in doubles (x → f64 is off by at
  ;; most 2^11, the product by 2^-52 relative: the estimate is within 2^12 of x / q for any
  ;; q ≥ 2, within 1 for the chain's primes), so r = x − estimate · q is congruent to x and
  ;; small (its wrapped 64-bit difference is the true one), and at most a step or two
  ;; brings it into [0, q). qinv is 1 / q as a double.
  (func $mod (param $x i64) (param $q i64) (param $qinv f64) (result i64)
    (local $r i64)
    (local.set $r
      (i64.sub (local.get $x)
        (i64.mul
          (i64.trunc_f64_u (f64.mul (f64.convert_i64_u (local.get $x)) (local.get $qinv)))
          (local.get $q))))
    (block $nonnegative
      (loop $up
        (br_if $nonnegative (i64.ge_s (local.get $r) (i64.const 0)))
        (local.set $r (i64.add (local.get $r) (local.get $q)))
        (br $up)))
    (block $below
      (loop $down
        (br_if $below (i64.lt_s (local.get $r) (local.get $q)))
        (local.set $r (i64.sub (local.get $r) (local.get $q)))
        (br $down)))
    (local.get $r))

  ;; Two u64 accumulator lanes reduced mod q, stored as u32 at p and p + 4.
  (func $store_narrow (param $p i32) (param $a v128) (param $q i64) (param $qinv f64)
    (i32.store (local.get $p)
      (i32.wrap_i64
        (call $mod (i64x2.extract_lane 0 (local.get $a)) (local.get $q) (local.get $qinv))))
    (i32.store offset=4 (local.get $p)
      (i32.wrap_i64
        (call $mod (i64x2.extract_lane 1 (local.get $a)) (local.get $q) (local.get $qinv)))))

  ;; (s0 + s1·2^20 + s2·2^40) mod q, Horner in 20-bit steps: each step stays below 2^64
  ;; (the bounds are in rns-kernel.ts).
  (func $reduce_wide (param $s0 i64) (param $s1 i64) (param $s2 i64) (param $q i64)
    (param $qinv f64) (result i64)
    (call $mod
      (i64.add
        (i64.shl
          (call $mod
            (i64.add
              (i64.shl (call $mod (local.get $s2) (local.get $q) (local.get $qinv)) (i64.const 20))
              (local.get $s1))
            (local.get $q) (local.get $qinv))
          (i64.const 20))
        (local.get $s0))
      (local.get $q) (local.get $qinv)))

  ;; Two words' limb sums reduced mod q, stored as u64 at p and p + 8.
  (func $store_wide (param $p i32) (param $s0 v128) (param $s1 v128) (param $s2 v128)
    (param $q i64) (param $qinv f64)
    (i64.store (local.get $p)
      (call $reduce_wide
        (i64x2.extract_lane 0 (local.get $s0))
        (i64x2.extract_lane 0 (local.get $s1))
        (i64x2.extract_lane 0 (local.get $s2))
        (local.get $q) (local.get $qinv)))
    (i64.store offset=8 (local.get $p)
      (call $reduce_wide
        (i64x2.extract_lane 1 (local.get $s0))
        (i64x2.extract_lane 1 (local.get $s1))
        (i64x2.extract_lane 1 (local.get $s2))
        (local.get $q) (local.get $qinv))))

  ;; Narrow prime q. Y: row r, tile t at y + t·tileStride + r·rowStride (u32 words);
  ;; weights w[u·rows + r] (u32, < q); C row of unit u at c + u·unitStride (u32, < q),
  ;; read first when init ≠ 0. Sixteen words per register tile; tileWords is a multiple of 16.
  (func (export "gemm_narrow")
    (param $y i32) (param $rowStride i32) (param $tileStride i32) (param $rows i32)
    (param $tiles i32) (param $tileWords i32) (param $w i32) (param $units i32)
    (param $c i32) (param $unitStride i32) (param $q i64) (param $qinv f64) (param $init i32)
    (local $t i32) (local $u i32) (local $k i32) (local $tileBytes i32)
    (local $cp i32) (local $yp i32) (local $wp i32) (local $wend i32)
    (local $cv v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $tileBytes (i32.shl (local.get $tileWords) (i32.const 2)))
    (loop $tile
      (local.set $u (i32.const 0))
      (loop $unit
        (local.set $k (i32.const 0))
        (loop $chunk
          (local.set $cp
            (i32.add
              (i32.add (local.get $c) (i32.mul (local.get $u) (local.get $unitStride)))
              (i32.add (i32.mul (local.get $t) (local.get $tileBytes)) (local.get $k))))
          (if (local.get $init)
            (then
              (local.set $v (v128.load (local.get $cp)))
              (local.set $a0 (i64x2.extend_low_i32x4_u (local.get $v)))
              (local.set $a1 (i64x2.extend_high_i32x4_u (local.get $v)))
              (local.set $v (v128.load offset=16 (local.get $cp)))
              (local.set $a2 (i64x2.extend_low_i32x4_u (local.get $v)))
              (local.set $a3 (i64x2.extend_high_i32x4_u (local.get $v)))
              (local.set $v (v128.load offset=32 (local.get $cp)))
              (local.set $a4 (i64x2.extend_low_i32x4_u (local.get $v)))
              (local.set $a5 (i64x2.extend_high_i32x4_u (local.get $v)))
              (local.set $v (v128.load offset=48 (local.get $cp)))
              (local.set $a6 (i64x2.extend_low_i32x4_u (local.get $v)))
              (local.set $a7 (i64x2.extend_high_i32x4_u (local.get $v))))
            (else
              (local.set $a0 (v128.const i64x2 0 0))
              (local.set $a1 (v128.const i64x2 0 0))
              (local.set $a2 (v128.const i64x2 0 0))
              (local.set $a3 (v128.const i64x2 0 0))
              (local.set $a4 (v128.const i64x2 0 0))
              (local.set $a5 (v128.const i64x2 0 0))
              (local.set $a6 (v128.const i64x2 0 0))
              (local.set $a7 (v128.const i64x2 0 0))))
          (local.set $yp
            (i32.add (local.get $y)
              (i32.add (i32.mul (local.get $t) (local.get $tileStride)) (local.get $k))))
          (local.set $wp
            (i32.add (local.get $w)
              (i32.shl (i32.mul (local.get $u) (local.get $rows)) (i32.const 2))))
          (local.set $wend (i32.add (local.get $wp) (i32.shl (local.get $rows) (i32.const 2))))
          (loop $term
            (local.set $cv (v128.load32_splat (local.get $wp)))
            (local.set $v (v128.load (local.get $yp)))
            (local.set $a0
              (i64x2.add (local.get $a0) (i64x2.extmul_low_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $a1
              (i64x2.add (local.get $a1) (i64x2.extmul_high_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $v (v128.load offset=16 (local.get $yp)))
            (local.set $a2
              (i64x2.add (local.get $a2) (i64x2.extmul_low_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $a3
              (i64x2.add (local.get $a3) (i64x2.extmul_high_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $v (v128.load offset=32 (local.get $yp)))
            (local.set $a4
              (i64x2.add (local.get $a4) (i64x2.extmul_low_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $a5
              (i64x2.add (local.get $a5) (i64x2.extmul_high_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $v (v128.load offset=48 (local.get $yp)))
            (local.set $a6
              (i64x2.add (local.get $a6) (i64x2.extmul_low_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $a7
              (i64x2.add (local.get $a7) (i64x2.extmul_high_i32x4_u (local.get $v) (local.get $cv))))
            (local.set $yp (i32.add (local.get $yp) (local.get $rowStride)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
            (br_if $term (i32.lt_u (local.get $wp) (local.get $wend))))
          (call $store_narrow (local.get $cp) (local.get $a0) (local.get $q) (local.get $qinv))
          (call $store_narrow (i32.add (local.get $cp) (i32.const 8)) (local.get $a1) (local.get $q) (local.get $qinv))
          (call $store_narrow (i32.add (local.get $cp) (i32.const 16)) (local.get $a2) (local.get $q) (local.get $qinv))
          (call $store_narrow (i32.add (local.get $cp) (i32.const 24)) (local.get $a3) (local.get $q) (local.get $qinv))
          (call $store_narrow (i32.add (local.get $cp) (i32.const 32)) (local.get $a4) (local.get $q) (local.get $qinv))
          (call $store_narrow (i32.add (local.get $cp) (i32.const 40)) (local.get $a5) (local.get $q) (local.get $qinv))
          (call $store_narrow (i32.add (local.get $cp) (i32.const 48)) (local.get $a6) (local.get $q) (local.get $qinv))
          (call $store_narrow (i32.add (local.get $cp) (i32.const 56)) (local.get $a7) (local.get $q) (local.get $qinv))
          (local.set $k (i32.add (local.get $k) (i32.const 64)))
          (br_if $chunk (i32.lt_u (local.get $k) (local.get $tileBytes))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br_if $unit (i32.lt_u (local.get $u) (local.get $units))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $tile (i32.lt_u (local.get $t) (local.get $tiles)))))

  ;; Wide prime q. Y as for gemm_narrow, holding the lo limbs, the hi limbs `hi` bytes
  ;; further; weights w[(u·rows + r)·2 + {0, 1}] = the weight's lo and hi limbs; C row of
  ;; unit u at c + u·unitStride (u64, < q). Per word three sums, of lo·lo, of the cross
  ;; products, and of hi·hi; four words per register tile.
  (func (export "gemm_wide")
    (param $y i32) (param $hi i32) (param $rowStride i32) (param $tileStride i32)
    (param $rows i32) (param $tiles i32) (param $tileWords i32) (param $w i32)
    (param $units i32) (param $c i32) (param $unitStride i32) (param $q i64) (param $qinv f64)
    (param $init i32)
    (local $t i32) (local $u i32) (local $k i32) (local $tileBytes i32)
    (local $cp i32) (local $yp i32) (local $wp i32) (local $wend i32)
    (local $cl v128) (local $ch v128) (local $l v128) (local $g v128)
    (local $s0a v128) (local $s0b v128) (local $s1a v128) (local $s1b v128)
    (local $s2a v128) (local $s2b v128)
    (local.set $tileBytes (i32.shl (local.get $tileWords) (i32.const 2)))
    (loop $tile
      (local.set $u (i32.const 0))
      (loop $unit
        (local.set $k (i32.const 0))
        (loop $chunk
          ;; Word t·tileWords + k/4 of a u64 row: byte 8·that = 2·(t·tileBytes + k).
          (local.set $cp
            (i32.add
              (i32.add (local.get $c) (i32.mul (local.get $u) (local.get $unitStride)))
              (i32.shl
                (i32.add (i32.mul (local.get $t) (local.get $tileBytes)) (local.get $k))
                (i32.const 1))))
          (if (local.get $init)
            (then
              (local.set $s0a (v128.load (local.get $cp)))
              (local.set $s0b (v128.load offset=16 (local.get $cp))))
            (else
              (local.set $s0a (v128.const i64x2 0 0))
              (local.set $s0b (v128.const i64x2 0 0))))
          (local.set $s1a (v128.const i64x2 0 0))
          (local.set $s1b (v128.const i64x2 0 0))
          (local.set $s2a (v128.const i64x2 0 0))
          (local.set $s2b (v128.const i64x2 0 0))
          (local.set $yp
            (i32.add (local.get $y)
              (i32.add (i32.mul (local.get $t) (local.get $tileStride)) (local.get $k))))
          (local.set $wp
            (i32.add (local.get $w)
              (i32.shl (i32.mul (local.get $u) (local.get $rows)) (i32.const 3))))
          (local.set $wend (i32.add (local.get $wp) (i32.shl (local.get $rows) (i32.const 3))))
          (loop $term
            (local.set $cl (v128.load32_splat (local.get $wp)))
            (local.set $ch (v128.load32_splat offset=4 (local.get $wp)))
            (local.set $l (v128.load (local.get $yp)))
            (local.set $g (v128.load (i32.add (local.get $yp) (local.get $hi))))
            (local.set $s0a
              (i64x2.add (local.get $s0a) (i64x2.extmul_low_i32x4_u (local.get $l) (local.get $cl))))
            (local.set $s0b
              (i64x2.add (local.get $s0b) (i64x2.extmul_high_i32x4_u (local.get $l) (local.get $cl))))
            (local.set $s1a
              (i64x2.add
                (i64x2.add (local.get $s1a) (i64x2.extmul_low_i32x4_u (local.get $l) (local.get $ch)))
                (i64x2.extmul_low_i32x4_u (local.get $g) (local.get $cl))))
            (local.set $s1b
              (i64x2.add
                (i64x2.add (local.get $s1b) (i64x2.extmul_high_i32x4_u (local.get $l) (local.get $ch)))
                (i64x2.extmul_high_i32x4_u (local.get $g) (local.get $cl))))
            (local.set $s2a
              (i64x2.add (local.get $s2a) (i64x2.extmul_low_i32x4_u (local.get $g) (local.get $ch))))
            (local.set $s2b
              (i64x2.add (local.get $s2b) (i64x2.extmul_high_i32x4_u (local.get $g) (local.get $ch))))
            (local.set $yp (i32.add (local.get $yp) (local.get $rowStride)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 8)))
            (br_if $term (i32.lt_u (local.get $wp) (local.get $wend))))
          (call $store_wide (local.get $cp)
            (local.get $s0a) (local.get $s1a) (local.get $s2a) (local.get $q) (local.get $qinv))
          (call $store_wide (i32.add (local.get $cp) (i32.const 16))
            (local.get $s0b) (local.get $s1b) (local.get $s2b) (local.get $q) (local.get $qinv))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $chunk (i32.lt_u (local.get $k) (local.get $tileBytes))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br_if $unit (i32.lt_u (local.get $u) (local.get $units))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $tile (i32.lt_u (local.get $t) (local.get $tiles))))))
