r6 = r1
r0 = 0
r1 = 5
r2 = -3
w3 = 7
r4 = 0x123456789 ll
*(u64 *)(r10 - 8) = r4
*(u32 *)(r10 - 12) = w3
*(u16 *)(r10 - 14) = w3
*(u8 *)(r10 - 15) = w3
*(u64 *)(r10 - 24) = 1
*(u32 *)(r10 - 28) = -2
*(u16 *)(r10 - 30) = 3
*(u8 *)(r10 - 31) = 4
r5 = *(u64 *)(r10 - 8)
w5 = *(u32 *)(r10 - 12)
w5 = *(u16 *)(r10 - 14)
w5 = *(u8 *)(r10 - 15)
r5 = *(s32 *)(r10 - 12)
r5 = *(s16 *)(r10 - 14)
r5 = *(s8 *)(r10 - 15)
r1 += r2
r1 -= 3
r1 *= r2
r1 |= 0x100
r1 &= r2
r1 <<= 3
r1 >>= r2
r1 s>>= 2
r1 ^= -1
r1 = -r1
r1 /= r2
r1 %= 7
r1 s/= r2
r1 s%= -5
w1 += w2
w1 -= 3
w1 *= w2
w1 /= w2
w1 s/= 3
w1 %= w2
w1 s%= w2
w1 |= 1
w1 &= w2
w1 <<= 2
w1 >>= w2
w1 s>>= 1
w1 ^= w2
w1 = -w1
w1 = w2
r1 = (s8)r2
r1 = (s16)r2
r1 = (s32)r2
w1 = (s8)w2
w1 = (s16)w2
r1 = be16 r1
r1 = be32 r1
r1 = be64 r1
r1 = le16 r1
r1 = le32 r1
r1 = le64 r1
r1 = bswap16 r1
r1 = bswap32 r1
r1 = bswap64 r1
r7 = 1
lock *(u64 *)(r10 - 8) += r7
lock *(u64 *)(r10 - 8) |= r7
lock *(u64 *)(r10 - 8) &= r7
lock *(u64 *)(r10 - 8) ^= r7
lock *(u32 *)(r10 - 12) += w7
lock *(u32 *)(r10 - 12) |= w7
r7 = atomic_fetch_add((u64 *)(r10 - 8), r7)
r7 = atomic_fetch_or((u64 *)(r10 - 8), r7)
r7 = atomic_fetch_and((u64 *)(r10 - 8), r7)
r7 = atomic_fetch_xor((u64 *)(r10 - 8), r7)
w7 = atomic_fetch_add((u32 *)(r10 - 12), w7)
w7 = atomic_fetch_xor((u32 *)(r10 - 12), w7)
r7 = xchg_64(r10 - 8, r7)
w7 = xchg32_32(r10 - 12, w7)
r0 = cmpxchg_64(r10 - 8, r0, r7)
w0 = cmpxchg32_32(r10 - 12, w0, w7)
r8 = load_acquire((u64 *)(r10 - 8))
w8 = load_acquire((u32 *)(r10 - 12))
store_release((u64 *)(r10 - 8), r7)
store_release((u8 *)(r10 - 15), w7)
if r1 == r2 goto +0
if r1 != 3 goto +0
if r1 > r2 goto +0
if r1 >= 3 goto +0
if r1 < r2 goto +0
if r1 <= -3 goto +0
if r1 s> r2 goto +0
if r1 s>= 3 goto +0
if r1 s< r2 goto +0
if r1 s<= 3 goto +0
if r1 & r2 goto +0
if r1 & 0x10 goto +0
if w1 == w2 goto +0
if w1 != -1 goto +0
if w1 s< w2 goto +0
if w1 > 3 goto +0
goto +0
gotol +0
call 5
call 7
r0 = 0
exit
