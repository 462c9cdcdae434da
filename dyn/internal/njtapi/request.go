package njtapi

import "strings"

// Trim is OpenNJet's njt_del_headtail_space.
func Trim(s string) string { return strings.Trim(s, " \t\r\n") }

// DecodeRequest reads the body of a dyn_loc or dyn_srv request as
// OpenNJet does: min to max bytes of a JSON object whose members are all
// in keys, with "addr_port" a non-empty string. It returns the object and
// the trimmed addr_port, or the message OpenNJet refuses the body with.
func DecodeRequest(body []byte, min, max int, keys map[string]bool) (v *JValue, addrPort, msg string) {
	if len(body) < min || len(body) > max {
		return nil, "", "json parser error!"
	}
	v, err := Decode(body)
	if err != nil {
		return nil, "", "json parser error!"
	}
	if v.Kind != JObject {
		return nil, "", "json error!!!"
	}
	for _, m := range v.Members {
		if !keys[m.Key] {
			msg = "invalid parameter:" + m.Key + "!"
		}
	}
	if msg != "" {
		return nil, "", msg
	}
	ap, ok := v.Get("addr_port")
	if !ok || ap.Kind != JString {
		return nil, "", "addr_port error!!!"
	}
	if addrPort = Trim(ap.Str); addrPort == "" {
		return nil, "", "addr_port null!!!"
	}
	return v, addrPort, ""
}
