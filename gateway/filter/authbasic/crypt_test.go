package authbasic

import (
	"crypto/des"
	"encoding/binary"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCryptMatchesLibxcryptVectors(t *testing.T) {
	for _, v := range cryptVectors {
		t.Run(v.setting+"/"+v.password, func(t *testing.T) {
			got, ok := Crypt(v.password, v.setting)
			require.True(t, ok)
			require.Equal(t, v.hash, got)
			// the stored hash is a valid setting for itself
			require.True(t, Verify(v.password, v.hash))
			require.False(t, Verify("wrong"+v.password, v.hash))
		})
	}
}

func TestCryptKnownHashes(t *testing.T) {
	tests := []struct{ password, stored string }{
		// nginx-tests auth_basic.t
		{"password", "sa3tHJ3/KuYvI"},
		{"password", "$1$salt$qJH7.N4xYta3aEG/dfqo/0"},
		{"password", "$apr1$salt$Xxd1irWT9ycqoYxGFn4cb."},
		{"password", "{PLAIN}password"},
		{"password", "{SSHA}yI6cZwQadOA1e+/f+T+H3eCQQhRzYWx0"},
		{"password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="},
		// libxcrypt: the salt stops at '$', MD5 takes 8 characters, SHA 16
		{"password", "$1$$I2o9Z7NcvQAKp7wyCTlia0"},
		{"password", "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"},
		{"password", "$5$salt$Gcm6FsVtF/Qa77ZKD.iwsJlCVPY0XSMgLJL0Hnww/c1"},
		{"password", "$5$saltsaltsaltsalt$WsFBeg1qQ90JL3VkUTuM7xVV/5njhLngIVm6ftSnBR2"},
		{"password", "$5$$V0edGK/GfSrNwzYCrbML4V/gvkNuNTfvn.Pt/LMSAf8"},
		{"password", "$5$rounds=1000$$YwQnHQDOPsCJlryuA75uU221CK6G/vNP6xF0y89gq18"},
		{"password", "$6$rounds=5000$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g."},
		// bigcrypt and BSDi DES
		{"passwordpassword", "sa3tHJ3/KuYvI7l0XSh1tS32"},
		{"passwordpassword", "_J9..CCCCKyAwGP5CEA2"},
		// DES ignores what follows the 8th character
		{"passwordXYZ", "sa3tHJ3/KuYvI"},
		// C strings: a NUL ends the password
		{"password\x00junk", "{PLAIN}password"},
	}
	for _, tt := range tests {
		t.Run(tt.stored, func(t *testing.T) {
			require.True(t, Verify(tt.password, tt.stored))
			require.False(t, Verify("123", tt.stored))
		})
	}
}

func TestCryptSettingsWithoutMethodNeverMatch(t *testing.T) {
	for _, s := range []string{
		"", "s", "!!", "*", "*0", "sa:", "s\x80",
		"$1$sa;lt$", "$1$sa*lt$", "$5$sa:lt$",
		"$5$rounds=999$salt$", "$5$rounds=01000$salt$", "$5$rounds=$salt$", "$5$rounds=1000",
		"$6$rounds=1000000000$salt$",
		"_abc", "_abc!efgh",
		"$2y$10$abcdefghijklmnopqrstuu", "$y$j9T$salt$hash", "$3$$hash",
	} {
		t.Run(s, func(t *testing.T) {
			_, ok := Crypt("password", s)
			require.False(t, ok)
			require.False(t, Verify("password", s))
		})
	}
	_, ok := Crypt(strings.Repeat("p", maxPassphrase), "$1$salt$")
	require.False(t, ok, "libxcrypt refuses passphrases of 512 bytes and more")
}

func TestCryptBrokenHashesMismatch(t *testing.T) {
	// nginx-tests auth_basic.t: the "broken" entries answer 401.
	for _, s := range []string{
		"$1$", "$apr1$",
		"{SSHA}_____wQadOA1e+/f+T+H3eCQQhRzYWx0", "{SSHA}Zm9vCg==",
		"{SHA}_____Mm5Pz8GgiULbPgzG37mj9g=", "{SHA}Zm9vCg==",
	} {
		require.False(t, Verify("1", s), s)
	}
}

func TestDESCoreMatchesCryptoDES(t *testing.T) {
	keys := [][8]byte{{}, {0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1}, {'p' << 1, 'a' << 1, 's' << 1, 's' << 1}}
	blocks := []uint64{0, 0x0123456789abcdef, 0xffffffffffffffff}
	for _, k := range keys {
		ref, err := des.NewCipher(k[:])
		require.NoError(t, err)
		var d desCipher
		d.setKey(k)
		for _, b := range blocks {
			var in, out [8]byte
			binary.BigEndian.PutUint64(in[:], b)
			ref.Encrypt(out[:], in[:])
			require.Equal(t, binary.BigEndian.Uint64(out[:]), d.encrypt(b, 1))
		}
	}
}

// TestCryptMatchesOpenSSL checks the hashes "openssl passwd" makes, the
// usual way to fill an htpasswd file without Apache's tools.
func TestCryptMatchesOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("GONJET_REQUIRE_EXTERNAL") == "1" {
			t.Fatal("openssl not found: install Debian package openssl")
		}
		t.Skip("install Debian package openssl")
	}
	// (openssl reads an empty line as no password at all)
	passwords := []string{"p", "password", "correct horse battery staple", strings.Repeat("long", 30)}
	for _, method := range []string{"-1", "-apr1", "-5", "-6"} {
		for _, pw := range passwords {
			for _, salt := range []string{"", "abcdefgh", "0123456789abcdef"} {
				args := []string{"passwd", method}
				if salt != "" {
					args = append(args, "-salt", salt)
				}
				args = append(args, "-stdin")
				cmd := exec.Command(openssl, args...)
				cmd.Stdin = strings.NewReader(pw + "\n")
				out, err := cmd.Output()
				require.NoError(t, err, "openssl %v", args)
				stored := strings.TrimSpace(string(out))
				require.True(t, Verify(pw, stored), "openssl %s %q: %s", method, pw, stored)
				require.False(t, Verify("!"+pw, stored))
			}
		}
	}
}

func BenchmarkCrypt(b *testing.B) {
	for _, stored := range []string{"sa3tHJ3/KuYvI", "$apr1$salt$Xxd1irWT9ycqoYxGFn4cb.", "$5$salt$Gcm6FsVtF/Qa77ZKD.iwsJlCVPY0XSMgLJL0Hnww/c1", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="} {
		b.Run(stored[:5], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !Verify("password", stored) {
					b.Fatal("mismatch")
				}
			}
		})
	}
}
