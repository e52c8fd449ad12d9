package audiofile

import "strings"

var digitWords = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

var teens = [...]string{"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}

var tens = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// Digits spells each digit of s as an English word, separated by
// spaces: "1*2#" → "one star two pound". Letters are kept one by one
// (spelled by the speech engine); other characters are skipped.
func Digits(s string) string {
	var words []string
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			words = append(words, digitWords[r-'0'])
		case r == '*':
			words = append(words, "star")
		case r == '#':
			words = append(words, "pound")
		case r == '+':
			words = append(words, "plus")
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			words = append(words, strings.ToUpper(string(r)))
		}
	}
	return strings.Join(words, " ")
}

// Number spells n in English words: 1234 → "one thousand two hundred
// thirty four", -5 → "minus five".
func Number(n int64) string {
	if n == 0 {
		return "zero"
	}
	var words []string
	u := uint64(n)
	if n < 0 {
		words = append(words, "minus")
		u = uint64(-(n + 1)) + 1 // math.MinInt64 included
	}
	scales := []struct {
		v    uint64
		name string
	}{{1e18, "quintillion"}, {1e15, "quadrillion"}, {1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}}
	for _, sc := range scales {
		if u >= sc.v {
			words = append(words, below1000(u/sc.v)...)
			words = append(words, sc.name)
			u %= sc.v
		}
	}
	if u > 0 {
		words = append(words, below1000(u)...)
	}
	return strings.Join(words, " ")
}

func below1000(n uint64) []string {
	var w []string
	if n >= 100 {
		w = append(w, digitWords[n/100], "hundred")
		n %= 100
	}
	switch {
	case n >= 20:
		w = append(w, tens[n/10])
		if n%10 > 0 {
			w = append(w, digitWords[n%10])
		}
	case n >= 10:
		w = append(w, teens[n-10])
	case n > 0:
		w = append(w, digitWords[n])
	}
	return w
}
