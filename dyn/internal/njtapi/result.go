package njtapi

import (
	"net/http"
	"strconv"

	"github.com/gonjet/gonjet/dyn"
)

// Result builds OpenNJet's rpc-result envelope the way its modules do:
// each failed object adds a data line prefixed with the current config
// path ("servers[127.0.0.1:8080,].locations[/demo]"), each applied one
// counts as a success, and UpdateCode derives the code from the two
// counts. Its JSON is byte for byte OpenNJet's, data first:
// {"data":["..."],"code":1,"msg":"partial success."}.
type Result struct {
	Code int
	Msg  string
	Data []string

	path          string
	success, fail int
}

// NewResult returns a result that says success.
func NewResult() *Result { return &Result{Code: dyn.CodeSuccess, Msg: dyn.MsgSuccess} }

// SetCode sets the code and, for OpenNJet's shared codes, their message.
func (r *Result) SetCode(code int) {
	r.Code = code
	if m, ok := codeMsg[code]; ok {
		r.Msg = m
	}
}

var codeMsg = map[int]string{
	dyn.CodeSuccess:        dyn.MsgSuccess,
	dyn.CodePartialSuccess: dyn.MsgPartialSuccess,
	dyn.CodeMemAlloc:       dyn.MsgMemAlloc,
	dyn.CodeInvalidJSON:    dyn.MsgInvalidJSON,
	dyn.CodeUpdateError:    dyn.MsgUpdateError,
	dyn.CodeOther:          dyn.MsgOther,
}

// Fail sets code and an explicit message.
func (r *Result) Fail(code int, msg string) {
	r.SetCode(code)
	r.Msg = msg
}

// Path is the current config path.
func (r *Result) Path() string { return r.path }

// SetPath replaces the config path.
func (r *Result) SetPath(p string) { r.path = p }

// AppendPath extends the config path.
func (r *Result) AppendPath(p string) { r.path += p }

// Error records a failed object: msg prefixed with the config path. An
// empty msg records nothing, as OpenNJet.
func (r *Result) Error(msg string) {
	if msg == "" {
		return
	}
	r.fail++
	r.Data = append(r.Data, r.path+msg)
}

// OK counts an applied object.
func (r *Result) OK() { r.success++ }

// Successes is the number of applied objects.
func (r *Result) Successes() int { return r.success }

// UpdateCode sets success when nothing failed, partial success when
// something failed and something else was applied, and the update error
// when everything failed.
func (r *Result) UpdateCode() {
	switch {
	case r.fail == 0:
		r.SetCode(dyn.CodeSuccess)
	case r.success > 0:
		r.SetCode(dyn.CodePartialSuccess)
	default:
		r.SetCode(dyn.CodeUpdateError)
	}
}

// JSON is the envelope's text.
func (r *Result) JSON() []byte {
	var w Writer
	w.Raw("{")
	if len(r.Data) > 0 {
		w.Key("data")
		w.Raw("[")
		for i, d := range r.Data {
			if i > 0 {
				w.Raw(",")
			}
			w.String(d)
		}
		w.Raw("],")
	}
	w.Key("code")
	w.Raw(strconv.Itoa(r.Code))
	w.Raw(",")
	w.Key("msg")
	w.String(r.Msg)
	w.Raw("}")
	return w.Bytes()
}

// Write answers with the envelope: 200, application/json.
func (r *Result) Write(w http.ResponseWriter) {
	dyn.WriteRaw(w, http.StatusOK, "application/json", r.JSON())
}

// Reply answers {"code":code,"msg":msg} with status and content type
// (the instruction APIs answer their own refusals as text/plain).
func Reply(w http.ResponseWriter, status int, ctype string, code int, msg string) {
	r := &Result{Code: code, Msg: msg}
	dyn.WriteRaw(w, status, ctype, r.JSON())
}
