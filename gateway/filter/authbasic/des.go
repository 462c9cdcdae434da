package authbasic

// The DES-based crypt(3) methods: traditional DES ("saXXXXXXXXXXX"),
// bigcrypt (DES on each 8-character block of a longer password) and BSDi
// extended DES ("_CCCCSSSS..."). Go's crypto/des cannot be used: crypt
// perturbs the cipher's E expansion with the salt, and iterates it.

// The DES tables of FIPS 46-3, bit numbers counted from 1 at the most
// significant bit.
var (
	desIP = [64]byte{
		58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
		62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
		57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
		61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
	}
	desPC1 = [56]byte{
		57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
		10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
		63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
		14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
	}
	desPC2 = [48]byte{
		14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
		23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
		41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
		44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
	}
	desP = [32]byte{
		16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
		2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
	}
	desShifts = [16]byte{1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1}
	desS      = [8][64]byte{
		{14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
			0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
			4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
			15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13},
		{15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
			3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
			0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
			13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9},
		{10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
			13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
			13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
			1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12},
		{7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
			13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
			10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
			3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14},
		{2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
			14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
			4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
			11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3},
		{12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
			10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
			9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
			4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13},
		{4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
			13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
			1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
			6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12},
		{13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
			1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
			7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
			2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11},
	}
)

// desFP is the final permutation (the inverse of IP); desSP maps each
// S-box input to its output already moved by the P permutation, so that a
// round is eight lookups.
var (
	desFP [64]byte
	desSP [8][64]uint32
)

func init() {
	for i, b := range desIP {
		desFP[b-1] = byte(i + 1)
	}
	for box := range desS {
		for v := 0; v < 64; v++ {
			row := v>>4&2 | v&1
			col := v >> 1 & 0xf
			out := uint64(desS[box][row*16+col]) << (28 - 4*box)
			desSP[box][v] = uint32(permute(out, 32, desP[:]))
		}
	}
}

// permute builds a value whose k-th bit (from the top) is bit table[k] of
// in, a value width bits wide.
func permute(in uint64, width uint, table []byte) uint64 {
	var out uint64
	for _, t := range table {
		out = out<<1 | in>>(width-uint(t))&1
	}
	return out
}

// desCipher is DES keyed once, with crypt's salt perturbation.
type desCipher struct {
	keys     [16]uint64 // 48-bit round keys
	saltBits uint32     // E-expansion bits swapped between halves
}

// setKey computes the round keys of an 8-byte key (parity bits ignored).
func (d *desCipher) setKey(key [8]byte) {
	var k uint64
	for _, b := range key {
		k = k<<8 | uint64(b)
	}
	cd := permute(k, 64, desPC1[:])
	c, dd := uint32(cd>>28), uint32(cd&0x0fffffff)
	for i, s := range desShifts {
		for ; s > 0; s-- {
			c = (c<<1 | c>>27) & 0x0fffffff
			dd = (dd<<1 | dd>>27) & 0x0fffffff
		}
		d.keys[i] = permute(uint64(c)<<28|uint64(dd), 56, desPC2[:])
	}
}

// setSalt sets crypt's 24-bit salt: bit i of the salt swaps bit i of the
// two 24-bit halves of each E expansion (counted from their top bits).
func (d *desCipher) setSalt(salt uint32) {
	d.saltBits = 0
	for i := 0; i < 24; i++ {
		if salt&(1<<i) != 0 {
			d.saltBits |= 0x800000 >> i
		}
	}
}

// encrypt runs DES count times on block.
func (d *desCipher) encrypt(block uint64, count uint32) uint64 {
	lr := permute(block, 64, desIP[:])
	l, r := uint32(lr>>32), uint32(lr)
	for ; count > 0; count-- {
		for i := range d.keys {
			l, r = r, l^d.f(r, d.keys[i])
		}
		// DES ends with the halves swapped; the next encryption's
		// initial permutation would undo the final one.
		l, r = r, l
	}
	return permute(uint64(l)<<32|uint64(r), 64, desFP[:])
}

func (d *desCipher) f(r uint32, k uint64) uint32 {
	// E expansion: eight overlapping 6-bit groups of r, each starting one
	// bit before a 4-bit nibble; x is r with its last bit put in front and
	// its first bit put after (34 bits), so group i is x>>(28-4i).
	x := uint64(r&1)<<33 | uint64(r)<<1 | uint64(r>>31)
	e := x>>28&63<<42 | x>>24&63<<36 | x>>20&63<<30 | x>>16&63<<24 |
		x>>12&63<<18 | x>>8&63<<12 | x>>4&63<<6 | x&63
	hi, lo := uint32(e>>24), uint32(e&0xffffff)
	swap := (hi ^ lo) & d.saltBits
	e = (uint64(hi^swap)<<24 | uint64(lo^swap)) ^ k
	return desSP[0][e>>42&63] | desSP[1][e>>36&63] | desSP[2][e>>30&63] | desSP[3][e>>24&63] |
		desSP[4][e>>18&63] | desSP[5][e>>12&63] | desSP[6][e>>6&63] | desSP[7][e&63]
}

const ascii64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// a64 is the value of a crypt base-64 character, -1 for others.
func a64(c byte) int {
	switch {
	case c >= '.' && c <= '9':
		return int(c - '.')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 12
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 38
	}
	return -1
}

// appendDESHash appends the 11 characters of a 64-bit DES result.
func appendDESHash(out []byte, v uint64) []byte {
	for sh := 58; sh >= 0; sh -= 6 {
		out = append(out, ascii64[v>>uint(sh)&63])
	}
	return append(out, ascii64[v<<2&63])
}

// desKeyBlock takes the next 8 characters of phrase, each shifted left
// one bit (a DES key ignores the lowest bit), padded with zeros.
func desKeyBlock(phrase string) (key [8]byte, rest string) {
	for i := 0; i < 8 && len(phrase) > 0; i++ {
		key[i] = phrase[0] << 1
		phrase = phrase[1:]
	}
	return key, phrase
}

// desTradSalt reads the two salt characters of a traditional setting.
func desTradSalt(setting string) (uint32, bool) {
	if len(setting) < 2 {
		return 0, false
	}
	s0, s1 := a64(setting[0]), a64(setting[1])
	if s0 < 0 || s1 < 0 {
		return 0, false
	}
	return uint32(s0 | s1<<6), true
}

// desCrypt is the traditional DES crypt: 2 salt characters, the first 8
// characters of the password, 25 DES rounds of a zero block. When the
// password is longer than 8 characters and the setting longer than a
// traditional hash, it is bigcrypt, as in libxcrypt: each further block
// of 8 characters adds 11 characters, salted by the previous ones.
func desCrypt(phrase, setting string) (string, bool) {
	salt, ok := desTradSalt(setting)
	if !ok {
		return "", false
	}
	big := len(phrase) > 8 && len(setting) > 13
	out := make([]byte, 0, 13)
	out = append(out, ascii64[salt&63], ascii64[salt>>6&63])
	var d desCipher
	for block := 0; block < 16; block++ {
		var key [8]byte
		key, phrase = desKeyBlock(phrase)
		d.setKey(key)
		d.setSalt(salt)
		h := len(out)
		out = appendDESHash(out, d.encrypt(0, 25))
		if !big || phrase == "" {
			break
		}
		salt = uint32(a64(out[h]) | a64(out[h+1])<<6)
	}
	return string(out), true
}

// bsdiCrypt is BSDi's extended DES: "_", 4 characters of iteration count,
// 4 of salt; passwords of any length are folded into one key.
func bsdiCrypt(phrase, setting string) (string, bool) {
	if len(setting) < 9 || setting[0] != '_' {
		return "", false
	}
	var count, salt uint32
	for i := 1; i < 9; i++ {
		x := a64(setting[i])
		if x < 0 {
			return "", false
		}
		if i < 5 {
			count |= uint32(x) << (6 * (i - 1))
		} else {
			salt |= uint32(x) << (6 * (i - 5))
		}
	}
	var d desCipher
	var fold uint64
	for {
		var key [8]byte
		key, phrase = desKeyBlock(phrase)
		for i := range key {
			key[i] ^= byte(fold >> (56 - 8*i))
		}
		d.setKey(key)
		if phrase == "" {
			break
		}
		var k uint64
		for _, b := range key {
			k = k<<8 | uint64(b)
		}
		fold = d.encrypt(k, 1)
	}
	d.setSalt(salt)
	out := append([]byte(setting[:9]), make([]byte, 0, 11)...)
	return string(appendDESHash(out, d.encrypt(0, count))), true
}
