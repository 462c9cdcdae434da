// Package ssi processes server-side includes in responses, as nginx's
// ngx_http_ssi_filter_module: commands written as HTML comments,
//
//	<!--# command parameter="value" ... -->
//
// are replaced by what they produce while the body streams through, in
// pieces of any size. The commands:
//
//   - include virtual="/uri?args" (or file=): the body of a subrequest
//     for the URI, in place; set="name" stores it in a variable instead;
//     stub="block" outputs a block when the subrequest fails or answers
//     nothing. wait="yes|no" is accepted (subrequests run one at a
//     time).
//   - echo var="name" [default="text"] [encoding="entity|url|none"]
//   - set var="name" value="text with $variables"
//   - if expr="..." / elif / else / endif, with "$a", "$a = text",
//     "$a != text", "$a = /regex/" (captures become $1.. and named
//     variables)
//   - config errmsg="..." timefmt="strftime format"
//   - block name="..." / endblock: named content for include stub=
//
// Variables set by SSI belong to the page and everything it includes;
// echo and if read them first, then the configuration's variables. The
// package also defines $date_local and $date_gmt, formatted with the
// document's timefmt.
//
// In njet.conf the directives are ssi, ssi_types, ssi_silent_errors,
// ssi_value_length, ssi_last_modified, ssi_min_file_chunk and
// ssi_ignore_recycled_buffers:
//
//	location / {
//	    ssi on;
//	    ssi_types text/shtml;
//	}
//
// From Go, build a Filter and install it into a location:
//
//	f, err := ssi.New(ssi.DefaultConfig())
//	if err != nil {
//		return err
//	}
//	f.Install(loc)
package ssi
