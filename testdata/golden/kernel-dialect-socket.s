r6 = r1
r7 = 2
r0 = *(u8 *)skb[0]
r0 = *(u16 *)skb[2]
r0 = *(u32 *)skb[-2097152]
r0 = *(u8 *)skb[r7 + 1]
r0 = *(u16 *)skb[r7 + 2]
r0 = *(u32 *)skb[r7 - 1]
exit
