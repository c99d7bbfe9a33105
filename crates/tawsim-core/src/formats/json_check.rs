//! A fast check that bytes, fed a chunk at a time, are one JSON value (the caller checks
//! they are UTF-8). It is at least as strict as serde_json on UTF-8 input (everything it
//! passes, serde_json reads), so a file it passes needs no other check; one it does not pass is read by serde_json, whose error
//! (with its line) is the one reported. It runs at memory speed over the long strings
//! (texts) that make most of a Label Studio file, where serde_json reads a byte at a time.

/// Where the check is between two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value must come (whitespace before it).
    Value,
    /// After `[`: a value or `]`.
    ValueOrClose,
    /// After `{`: a key or `}`.
    KeyOrClose,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value: `,`, the container's close, or the end.
    After,
    /// Inside a string (a key when `key`).
    Str { key: bool },
    /// After a backslash in a string.
    Escape { key: bool },
    /// Inside `\uXXXX`: `left` hex digits still to come, `code` so far.
    Unicode { key: bool, left: u8, code: u16 },
    /// After a high surrogate's escape: its low surrogate's `\` must come.
    LowBackslash { key: bool },
    /// After that `\`: `u`.
    LowU { key: bool },
    /// A literal (`true`, `false`, `null`) with `at` bytes of it matched.
    Literal { word: &'static [u8], at: u8 },
    /// A number: after `-`.
    Minus,
    /// After a leading `0`.
    Zero,
    /// In the integer digits.
    Int,
    /// After `.`.
    Dot,
    /// In the fraction digits.
    Frac,
    /// After `e` or `E`.
    Exp,
    /// After the exponent's sign.
    ExpSign,
    /// In the exponent digits.
    ExpDigits,
}

/// Deeper than this is left to serde_json (whose limit is 128).
const MAX_DEPTH: usize = 100;

/// The check, fed chunks in order; [`JsonCheck::finish`] says whether all of them were one
/// JSON value.
#[derive(Debug)]
pub(crate) struct JsonCheck {
    state: State,
    /// Open containers, `true` for an object.
    stack: Vec<bool>,
    /// Whether a value has been completed at the top level.
    done: bool,
    /// Whether anything failed (the rest is not looked at).
    failed: bool,
    /// A high surrogate's escape whose low one is being read.
    pending_high: Option<u16>,
}

impl Default for JsonCheck {
    fn default() -> Self {
        JsonCheck {
            state: State::Value,
            stack: Vec::new(),
            done: false,
            failed: false,
            pending_high: None,
        }
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl JsonCheck {
    /// Checks the next chunk; `false` once anything fails.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> bool {
        if self.failed {
            return false;
        }
        if !self.bytes(chunk) {
            self.failed = true;
        }
        !self.failed
    }

    /// Whether every chunk fed made one JSON value.
    pub(crate) fn finish(mut self) -> bool {
        if self.failed {
            return false;
        }
        // A number at the very end is complete here.
        if matches!(
            self.state,
            State::Zero | State::Int | State::Frac | State::ExpDigits
        ) {
            self.state = State::After;
            self.close_value();
        }
        self.done && self.state == State::After && self.stack.is_empty()
    }

    /// After a value ends: at the top level, the document is complete.
    fn close_value(&mut self) {
        if self.stack.is_empty() {
            self.done = true;
        }
    }

    fn bytes(&mut self, chunk: &[u8]) -> bool {
        let mut i = 0;
        while i < chunk.len() {
            match self.state {
                State::Str { key } => {
                    // A run of plain string bytes at a time.
                    let run = memchr::memchr2(b'"', b'\\', &chunk[i..]).unwrap_or(chunk.len() - i);
                    if chunk[i..i + run].iter().any(|&b| b < 0x20) {
                        return false;
                    }
                    i += run;
                    if i == chunk.len() {
                        return true;
                    }
                    if chunk[i] == b'"' {
                        self.state = if key { State::Colon } else { State::After };
                        if !key {
                            self.close_value();
                        }
                    } else {
                        self.state = State::Escape { key };
                    }
                    i += 1;
                }
                _ => {
                    if !self.byte(chunk[i]) {
                        return false;
                    }
                    i += 1;
                }
            }
        }
        true
    }

    /// One byte outside a string's plain run; `false` when it cannot come here.
    fn byte(&mut self, b: u8) -> bool {
        use State as S;
        match self.state {
            S::Value | S::ValueOrClose => {
                if is_space(b) {
                    return true;
                }
                if b == b']' && self.state == S::ValueOrClose {
                    return self.close(false);
                }
                if self.done {
                    return false;
                }
                self.value_start(b)
            }
            S::KeyOrClose | S::Key => match b {
                _ if is_space(b) => true,
                b'"' => {
                    self.state = S::Str { key: true };
                    true
                }
                b'}' if self.state == S::KeyOrClose => self.close(true),
                _ => false,
            },
            S::Colon => match b {
                _ if is_space(b) => true,
                b':' => {
                    self.state = S::Value;
                    true
                }
                _ => false,
            },
            S::After => match (b, self.stack.last()) {
                _ if is_space(b) => true,
                (b',', Some(&true)) => {
                    self.state = S::Key;
                    true
                }
                (b',', Some(&false)) => {
                    self.state = S::Value;
                    true
                }
                (b'}', Some(&true)) => self.close(true),
                (b']', Some(&false)) => self.close(false),
                _ => false,
            },
            S::Str { .. } => true,
            S::Escape { key } => {
                self.state = match b {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => S::Str { key },
                    b'u' => S::Unicode {
                        key,
                        left: 4,
                        code: 0,
                    },
                    _ => return false,
                };
                true
            }
            S::Unicode { key, left, code } => {
                let Some(d) = (b as char).to_digit(16) else {
                    return false;
                };
                let code = (code << 4) | d as u16;
                if left > 1 {
                    self.state = S::Unicode {
                        key,
                        left: left - 1,
                        code,
                    };
                    return true;
                }
                self.unicode_done(key, code)
            }
            S::LowBackslash { key } => {
                self.state = S::LowU { key };
                b == b'\\'
            }
            S::LowU { key } => {
                // The low surrogate's four digits.
                self.state = S::Unicode {
                    key,
                    left: 4,
                    code: 0,
                };
                b == b'u'
            }
            S::Literal { word, at } => {
                if word.get(usize::from(at)) != Some(&b) {
                    return false;
                }
                if usize::from(at) + 1 == word.len() {
                    self.state = S::After;
                    self.close_value();
                } else {
                    self.state = S::Literal { word, at: at + 1 };
                }
                true
            }
            S::Minus => match b {
                b'0' => self.go(S::Zero),
                b'1'..=b'9' => self.go(S::Int),
                _ => false,
            },
            S::Zero | S::Int => match b {
                b'0'..=b'9' if self.state == S::Int => true,
                b'.' => self.go(S::Dot),
                b'e' | b'E' => self.go(S::Exp),
                _ => self.number_end(b),
            },
            S::Dot => b.is_ascii_digit() && self.go(S::Frac),
            S::Frac => match b {
                b'0'..=b'9' => true,
                b'e' | b'E' => self.go(S::Exp),
                _ => self.number_end(b),
            },
            S::Exp => match b {
                b'+' | b'-' => self.go(S::ExpSign),
                b'0'..=b'9' => self.go(S::ExpDigits),
                _ => false,
            },
            S::ExpSign => b.is_ascii_digit() && self.go(S::ExpDigits),
            S::ExpDigits => b.is_ascii_digit() || self.number_end(b),
        }
    }

    /// A `\\uXXXX` escape read: surrogates must come in pairs, high then low.
    fn unicode_done(&mut self, key: bool, code: u16) -> bool {
        let high = (0xD800..0xDC00).contains(&code);
        let low = (0xDC00..0xE000).contains(&code);
        match self.pending_high.take() {
            Some(_) if !low => return false,
            None if low => return false,
            None if high => {
                self.pending_high = Some(code);
                self.state = State::LowBackslash { key };
                return true;
            }
            _ => {}
        }
        self.state = State::Str { key };
        true
    }

    fn go(&mut self, s: State) -> bool {
        self.state = s;
        true
    }

    /// A byte right after a number's last digit: the number is a value; the byte comes
    /// after it.
    fn number_end(&mut self, b: u8) -> bool {
        self.state = State::After;
        self.close_value();
        self.byte(b)
    }

    fn value_start(&mut self, b: u8) -> bool {
        use State as S;
        match b {
            b'{' | b'[' => {
                if self.stack.len() >= MAX_DEPTH {
                    return false;
                }
                let object = b == b'{';
                self.stack.push(object);
                self.state = if object {
                    S::KeyOrClose
                } else {
                    S::ValueOrClose
                };
                true
            }
            b'"' => self.go(S::Str { key: false }),
            b't' => self.go(S::Literal {
                word: b"true",
                at: 1,
            }),
            b'f' => self.go(S::Literal {
                word: b"false",
                at: 1,
            }),
            b'n' => self.go(S::Literal {
                word: b"null",
                at: 1,
            }),
            b'-' => self.go(S::Minus),
            b'0' => self.go(S::Zero),
            b'1'..=b'9' => self.go(S::Int),
            _ => false,
        }
    }

    fn close(&mut self, object: bool) -> bool {
        if self.stack.pop() != Some(object) {
            return false;
        }
        self.state = State::After;
        self.close_value();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The check over `bytes` cut into chunks of `size`, after the caller's UTF-8 check.
    fn check(bytes: &[u8], size: usize) -> bool {
        let mut c = JsonCheck::default();
        std::str::from_utf8(bytes).is_ok()
            && bytes.chunks(size.max(1)).all(|ch| c.feed(ch))
            && c.finish()
    }

    fn serde_reads(bytes: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    }

    const GOOD: &[&str] = &[
        "[]",
        " {} ",
        "0",
        "-0.5e+10",
        "1E3",
        "123",
        "\"\"",
        "\"جنيف \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u0627\\uD83D\\uDE00\"",
        "[1,[2,{\"a\":[true,false,null]}],\"x\"]\n",
        "{\"text\": \"زار الوفد جنيف\", \"n\": -12.25, \"k\": {\"\": []}}",
        "[\"\u{1F600}\", \"👨‍👩‍👧\"]",
    ];

    const BAD: &[&str] = &[
        "",
        " ",
        "[",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{1:2}",
        "[1 2]",
        "01",
        "1.",
        "-",
        "1e",
        "1e+",
        ".5",
        "tru",
        "nul",
        "truex",
        "[] []",
        "\"a",
        "\"\\x\"",
        "\"\\u12G4\"",
        "\"\\uD800\"",
        "\"\\uDC00\"",
        "\"\\uD800\\u0041\"",
        "\"tab\there\"",
        "[}",
        "{]",
        "\u{FEFF}[]",
        "NaN",
        "[1]x",
    ];

    #[test]
    fn passes_what_serde_reads_and_fails_what_it_does_not_in_any_chunks() {
        for s in GOOD {
            assert!(serde_reads(s.as_bytes()), "serde reads {s:?}");
            for size in [1, 2, 3, 5, 64] {
                assert!(check(s.as_bytes(), size), "{s:?} in chunks of {size}");
            }
        }
        for s in BAD {
            for size in [1, 2, 3, 64] {
                assert!(!check(s.as_bytes(), size), "{s:?} in chunks of {size}");
            }
        }
        // Deep nesting is left to serde_json.
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(!check(deep.as_bytes(), 64));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(check(ok.as_bytes(), 7));
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e12f64..1e12).prop_map(Value::from),
            "[ -~ابجد\u{1F600}\n\t\"\\\\]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-zن\"]{0,4}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// What serde_json writes, the check passes, whatever the chunks.
        #[test]
        fn passes_what_serde_writes(v in json_value(), pretty in any::<bool>(), ascii in any::<bool>(), size in 1usize..40) {
            let mut s = if pretty {
                serde_json::to_string_pretty(&v).expect("json")
            } else {
                serde_json::to_string(&v).expect("json")
            };
            if ascii {
                s = s.chars().map(|c| if c.is_ascii() { c.to_string() } else {
                    let mut b = [0u16; 2];
                    c.encode_utf16(&mut b).iter().map(|u| format!("\\u{u:04x}")).collect()
                }).collect();
            }
            prop_assert!(check(s.as_bytes(), size), "{}", s);
        }

        /// A file spoilt anywhere: what the check passes, serde_json reads.
        #[test]
        fn never_passes_what_serde_refuses(v in json_value(), at in any::<prop::sample::Index>(), how in 0u8..4, byte in any::<u8>(), size in 1usize..40) {
            let mut b = serde_json::to_vec(&v).expect("json");
            let i = at.index(b.len() + 1);
            match how {
                0 if i < b.len() => { b.remove(i); }
                1 => b.insert(i, byte),
                2 if i < b.len() => b[i] = byte,
                _ => b.truncate(i),
            }
            if check(&b, size) {
                prop_assert!(serde_reads(&b), "{:?}", String::from_utf8_lossy(&b));
            }
        }
    }
}
