// Package telemetry records what the gateway does: access logs (one line
// per request, in a format made of variables), error logs (nginx's
// "2026/11/24 10:00:00 [error] 4242#4242: *7 message" lines, filtered by
// severity) and, later, metrics and traces.
//
// Importing the package registers nginx's log directives with
// gateway/conf: log_format (with escape=default|json|none and the
// predefined "combined"), access_log (files, files named with variables,
// syslog, buffer=, gzip, flush=, if=, off), open_log_file_cache and
// error_log. Log files are shared by path across configuration snapshots,
// so a reload keeps their descriptors, and Reopen reopens them all for log
// rotation (nginx's SIGUSR1).
//
// Go programs use the same pieces directly:
//
//	vars := gateway.NewVarTable()
//	format, _ := telemetry.CompileFormat(vars, "main", telemetry.EscapeDefault, telemetry.CombinedFormat)
//	file, _ := telemetry.OpenFile("/var/log/gw/access.log", telemetry.Buffering{Size: 64 << 10, Flush: time.Second})
//	loc.Use(gateway.PhaseLog, &telemetry.LocationLog{Logs: []*telemetry.AccessLog{{Format: format, File: file}}})
//	cfg := &gateway.Config{Vars: vars, Servers: servers, Closers: []func(){func() { file.Close() }}}
//
//	errs, _ := telemetry.OpenErrorLog("/var/log/gw/error.log", gateway.LevelWarn)
//	cfg.ErrorLog = errs
package telemetry
