package audiofile

// Encoders for the tests (G.711, as the package's decoders expect).

func ulaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x, sign := int(s), byte(0)
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, clip) + bias
	seg := 7
	for mask := 0x4000; x&mask == 0 && seg > 0; mask >>= 1 {
		seg--
	}
	return ^(sign | byte(seg<<4) | byte(x>>(seg+3)&0x0f))
}

func alaw(s int16) byte {
	x, mask := int(s)>>3, byte(0xd5)
	if x < 0 {
		x, mask = -x-1, 0x55
	}
	x = min(x, 0xfff)
	if x < 32 {
		return byte(x>>1) ^ mask
	}
	seg := 1
	for x >= 64<<(seg-1) {
		seg++
	}
	return (byte(seg<<4) | byte(x>>seg&0x0f)) ^ mask
}
