package presence

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxBody bounds the documents read (a NOTIFY of a few dialogs is a few
// kilobytes).
const MaxBody = 64 << 10

// maxDepth bounds element nesting.
const maxDepth = 32

var (
	errTooLarge  = errors.New("presence: document too large")
	errMalformed = errors.New("presence: malformed XML")
	errDTD       = errors.New("presence: DTDs are not accepted")
)

// attr is one attribute, by local name.
type attr struct{ name, value string }

// visitor receives the document's elements: start with the path of local
// names from the root to the element (itself last) and its attributes,
// text with the path of the element the text is in, and end.
type visitor struct {
	start func(path []string, attrs []attr)
	text  func(path []string, text string)
	end   func(path []string)
}

// scan walks doc, calling v; it fails on a document that is not
// well-formed enough to be trusted (tags that do not nest, an unclosed
// tag, no root element).
func scan(doc string, v visitor) error {
	if len(doc) > MaxBody {
		return errTooLarge
	}
	var path []string
	roots := 0
	for i := 0; i < len(doc); {
		lt := strings.IndexByte(doc[i:], '<')
		if lt < 0 {
			if strings.TrimSpace(doc[i:]) != "" && len(path) == 0 {
				return errMalformed
			}
			break
		}
		if lt > 0 {
			if err := emitText(doc[i:i+lt], path, v); err != nil {
				return err
			}
		}
		i += lt
		rest := doc[i:]
		switch {
		case strings.HasPrefix(rest, "<?"):
			j := strings.Index(rest, "?>")
			if j < 0 {
				return errMalformed
			}
			i += j + 2
		case strings.HasPrefix(rest, "<!--"):
			j := strings.Index(rest[4:], "-->")
			if j < 0 {
				return errMalformed
			}
			i += 4 + j + 3
		case strings.HasPrefix(rest, "<![CDATA["):
			j := strings.Index(rest, "]]>")
			if j < 0 || len(path) == 0 {
				return errMalformed
			}
			if v.text != nil {
				v.text(path, rest[9:j])
			}
			i += j + 3
		case strings.HasPrefix(rest, "<!"):
			return errDTD
		case strings.HasPrefix(rest, "</"):
			j := strings.IndexByte(rest, '>')
			if j < 0 {
				return errMalformed
			}
			name := localName(strings.TrimSpace(rest[2:j]))
			if len(path) == 0 || path[len(path)-1] != name {
				return errMalformed
			}
			if v.end != nil {
				v.end(path)
			}
			path = path[:len(path)-1]
			i += j + 1
		default:
			name, attrs, selfClosing, n, err := readTag(rest)
			if err != nil {
				return err
			}
			if len(path) == 0 {
				roots++
				if roots > 1 {
					return errMalformed
				}
			}
			if len(path) >= maxDepth {
				return errMalformed
			}
			path = append(path, name)
			if v.start != nil {
				v.start(path, attrs)
			}
			if selfClosing {
				if v.end != nil {
					v.end(path)
				}
				path = path[:len(path)-1]
			}
			i += n
		}
	}
	if len(path) != 0 || roots != 1 {
		return errMalformed
	}
	return nil
}

// emitText reports the text between tags (outside the root only
// whitespace is allowed).
func emitText(raw string, path []string, v visitor) error {
	if len(path) == 0 {
		if strings.TrimSpace(raw) != "" {
			return errMalformed
		}
		return nil
	}
	t, ok := unescape(raw)
	if !ok {
		return errMalformed
	}
	if v.text != nil {
		v.text(path, t)
	}
	return nil
}

// readTag reads a start tag at the beginning of s ("<name attr='v' …>" or
// "…/>") and returns its local name, attributes, whether it closes
// itself, and its length.
func readTag(s string) (name string, attrs []attr, selfClosing bool, n int, err error) {
	i := 1
	start := i
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == start {
		return "", nil, false, 0, errMalformed
	}
	name = localName(s[start:i])
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return "", nil, false, 0, errMalformed
		}
		switch s[i] {
		case '>':
			return name, attrs, false, i + 1, nil
		case '/':
			if i+1 < len(s) && s[i+1] == '>' {
				return name, attrs, true, i + 2, nil
			}
			return "", nil, false, 0, errMalformed
		}
		as := i
		for i < len(s) && isNameByte(s[i]) {
			i++
		}
		if i == as {
			return "", nil, false, 0, errMalformed
		}
		an := s[as:i]
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			return "", nil, false, 0, errMalformed
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) || (s[i] != '"' && s[i] != '\'') {
			return "", nil, false, 0, errMalformed
		}
		q := s[i]
		j := strings.IndexByte(s[i+1:], q)
		if j < 0 {
			return "", nil, false, 0, errMalformed
		}
		raw := s[i+1 : i+1+j]
		if strings.IndexByte(raw, '<') >= 0 {
			return "", nil, false, 0, errMalformed
		}
		val, ok := unescape(raw)
		if !ok {
			return "", nil, false, 0, errMalformed
		}
		if !strings.HasPrefix(an, "xmlns") {
			attrs = append(attrs, attr{name: localName(an), value: val})
		}
		i += j + 2
	}
}

// localName drops a namespace prefix ("dm:note" → "note").
func localName(qname string) string {
	if i := strings.LastIndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isNameByte accepts the bytes of XML names kazoo needs to read (ASCII
// letters, digits, "-._:") and any non-ASCII byte.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == ':' || c >= 0x80
}

// unescape decodes the five predefined entities and character references.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '&') < 0 {
		return s, true
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		j := strings.IndexByte(s, ';')
		if j < 0 {
			return "", false
		}
		ent := s[:j]
		s = s[j+1:]
		switch ent {
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			if !strings.HasPrefix(ent, "#") {
				return "", false
			}
			num, base := ent[1:], 10
			if strings.HasPrefix(num, "x") {
				num, base = num[1:], 16
			}
			r, err := strconv.ParseUint(num, base, 32)
			if err != nil || !utf8.ValidRune(rune(r)) {
				return "", false
			}
			b.WriteRune(rune(r))
		}
	}
}

// under reports whether path ends with the given local names.
func under(path []string, names ...string) bool {
	if len(path) < len(names) {
		return false
	}
	tail := path[len(path)-len(names):]
	for i, n := range names {
		if tail[i] != n {
			return false
		}
	}
	return true
}

// attrValue is the value of the attribute with local name name.
func attrValue(attrs []attr, name string) string {
	for _, a := range attrs {
		if a.name == name {
			return a.value
		}
	}
	return ""
}
