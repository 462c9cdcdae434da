package upstreamapi

import (
	"net/http"

	"github.com/gonjet/gonjet/dyn"
)

// Error is an upstream API failure, answered as OpenNJet's NjetError
// object: {"error":{"status":S,"text":T,"code":C},"request_id":"N/A",
// "href":"..."}. Status is the HTTP status, except where OpenNJet answers
// with another one (see HTTPStatus).
type Error struct {
	Status int
	Text   string
	Code   string
	// HTTPStatus, when not 0, is the status of the HTTP answer when it
	// differs from Status (OpenNJet answers an unsupported method with
	// 404 and a body saying 405).
	HTTPStatus int
}

func (e *Error) Error() string { return e.Text }

// The errors of OpenNJet's upstream API, with its texts and codes
// (spelling included).
var (
	ErrPathNotFound     = &Error{Status: 404, Text: "path not found", Code: "PathNotFound"}
	ErrUpstreamNotFound = &Error{Status: 404, Text: "upstream not found", Code: "UpstreamNotFound"}
	ErrBadServerID      = &Error{Status: 400, Text: "invalid server id", Code: "UpStreamBadServerId"}
	ErrServerNotFound   = &Error{Status: 404, Text: "server not found", Code: "UpStreamServerNotFound"}
	ErrMethod           = &Error{Status: 405, Text: "method not supported", Code: "MethodNotSupported"}
	ErrStatic           = &Error{Status: 400, Text: "upstream is static", Code: "UpstreamStatic"}
	ErrJSON             = &Error{Status: 415, Text: "json error", Code: "JsonError"}
	ErrMissingServer    = &Error{Status: 400, Text: "missing \"server\" argument", Code: "UpstreamConfFormatError"}
	ErrNoResolver       = &Error{Status: 400, Text: "no resolver defined to resolve", Code: "UpstreamConfNoResolver"}
	ErrBadServer        = &Error{Status: 400, Text: "invalid \"server\" argument", Code: "UpstreamBadAddress"}
	ErrNoBackup         = &Error{Status: 400, Text: "upstream has no backup", Code: "UpstreamNoBackup"}
	ErrTooLarge         = &Error{Status: 405, Text: "too large post body", Code: "TooLargePostBody"}
)

// formatError is UpstreamConfFormatError with a text.
func formatError(text string) *Error {
	return &Error{Status: 400, Text: text, Code: "UpstreamConfFormatError"}
}

const href = "https://njet.org/en/docs/http/njt_http_api_module.html"

type errorBody struct {
	Error struct {
		Status int    `json:"status"`
		Text   string `json:"text"`
		Code   string `json:"code"`
	} `json:"error"`
	RequestID string `json:"request_id"`
	Href      string `json:"href"`
}

func writeError(w http.ResponseWriter, e *Error) {
	var b errorBody
	b.Error.Status, b.Error.Text, b.Error.Code = e.Status, e.Text, e.Code
	b.RequestID, b.Href = "N/A", href
	status := e.Status
	if e.HTTPStatus != 0 {
		status = e.HTTPStatus
	}
	dyn.WriteJSON(w, status, b)
}
