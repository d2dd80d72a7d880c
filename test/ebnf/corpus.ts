/**
 * Differential corpus: grammars in XGrammar's EBNF dialect, with hand-picked strings. The differential test
 * adds strings sampled from each grammar and mutations of them, and compares acceptance with XGrammar.
 *
 * `oracle: false` marks grammars the XGrammar 0.1.27 WASM build gets wrong (see test/helpers/xgrammar.ts);
 * their `expect` entries are explicit expectations checked against logitkit instead.
 */
export interface CorpusGrammar {
  name: string;
  ebnf: string;
  root?: string;
  /** Hand-written probe strings (compared with the oracle, or with `expect` when the oracle is unusable). */
  strings?: string[];
  /** Explicit expectations: string → accepted? */
  expect?: Array<[string, boolean]>;
  /** The oracle is known to be wrong for this grammar (reason). */
  oracle?: false;
  oracleBug?: string;
}

const JSON_EBNF = String.raw`
root ::= ws value ws
value ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws ( member ( ws "," ws member )* ws )? "}"
member ::= string ws ":" ws value
array ::= "[" ws ( value ( ws "," ws value )* ws )? "]"
string ::= "\"" ( [^"\\\x00-\x1f] | "\\" escape )* "\""
escape ::= ["\\/bfnrt] | "u" [A-Fa-f0-9]{4}
number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [+-]? [0-9]+ )?
ws ::= [ \t\n\r]*
`;

/** The unoptimised JSON grammar of XGrammar's test_grammar_matcher_ebnf.py (left-recursive lists). */
const XG_TEST_JSON = String.raw`
root ::= value
value ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws "}" | "{" ws members ws "}"
members ::= member | members ws "," ws member
member ::= string ws ":" ws value
array ::= "[" ws "]" | "[" ws elements ws "]"
elements ::= value | elements ws "," ws value
string ::= "\"" chars "\""
chars ::= "" | char chars
char ::= [^"\\] | "\\" escape
escape ::= ["\\/bfnrt] | "u" hex hex hex hex
hex ::= [0-9a-fA-F]
number ::= int frac? exp?
int ::= "-"? ( "0" | [1-9] [0-9]* )
frac ::= "." [0-9]+
exp ::= [eE] [+-]? [0-9]+
ws ::= [ \t\n]*
`;

export const CORPUS: CorpusGrammar[] = [
  { name: 'literal', ebnf: 'root ::= "abc"', strings: ['abc', 'ab', 'abcd', ''] },
  { name: 'empty string', ebnf: 'root ::= ""', strings: ['', 'a'] },
  { name: 'empty parens', ebnf: 'root ::= ( ) "x" ( )', strings: ['x', '', 'xx'] },
  { name: 'choice', ebnf: 'root ::= "a" | "bc" | "def"', strings: ['a', 'bc', 'def', 'abc', ''] },
  { name: 'nullable choice', ebnf: 'root ::= "a" | ""', strings: ['', 'a', 'aa'] },
  {
    name: 'sequence of refs',
    ebnf: 'root ::= a b a\na ::= "x" | "y"\nb ::= "-"',
    strings: ['x-y', 'y-y', 'x-', '-x'],
  },
  { name: 'star', ebnf: 'root ::= "ab"*', strings: ['', 'ab', 'abab', 'aba'] },
  { name: 'plus', ebnf: 'root ::= "ab"+', strings: ['', 'ab', 'ababab', 'abb'] },
  { name: 'optional', ebnf: 'root ::= "a"? "b"', strings: ['b', 'ab', 'aab', 'a'] },
  { name: 'class star', ebnf: 'root ::= [a-c]* "!"', strings: ['!', 'abc!', 'abcd!', 'cab'] },
  { name: 'grouping', ebnf: 'root ::= ("a" ("b" | "c"))+ "d"?', strings: ['ab', 'acabd', 'ad', 'abcd'] },
  { name: 'nested groups', ebnf: 'root ::= ((("a")))(("b")("c"))', strings: ['abc', 'ab'] },
  {
    name: 'whitespace freedom',
    ebnf: 'root::="a"  "b" ("c""d"\n"e") |\n\n"f" | "g"',
    strings: ['abcde', 'f', 'g', 'abcd', 'fg'],
  },
  { name: 'comments', ebnf: '# leading\nroot ::= "a" # trailing\n  "b" # more\n', strings: ['ab', 'a'] },
  { name: 'CRLF lines', ebnf: 'root ::= a\r\na ::= "x"\r\n  | "y"\r\n', strings: ['x', 'y', 'xy'] },
  { name: 'exact repeat', ebnf: 'root ::= "a"{3}', strings: ['aa', 'aaa', 'aaaa'] },
  { name: 'at least', ebnf: 'root ::= "a"{2,}', strings: ['a', 'aa', 'aaaaaa'] },
  {
    name: 'at least -1',
    ebnf: 'root ::= "ab"{1, -1} "c"',
    oracle: false,
    oracleBug: 'XGrammar 0.1.27 does not parse {n, -1} (HEAD does: the printer emits it)',
    expect: [
      ['c', false],
      ['abc', true],
      ['ababc', true],
    ],
  },
  { name: 'bounded range', ebnf: 'root ::= [0-9]{2,4}', strings: ['1', '12', '1234', '12345'] },
  { name: 'range with spaces', ebnf: 'root ::= "c" {0 , 2} "d"', strings: ['d', 'cd', 'ccd', 'cccd'] },
  {
    name: 'repetition of rule (XGrammar test)',
    ebnf: 'root ::= rule {2, 3}\nrule ::= ("abc" | "bcd") [bc] {4,}',
    strings: ['abcbbbb', 'abcbbbbbcdcccc', 'abcbbbbbcdccccabcbbbb', 'abcbbbbbcdccccabcbbbbabcbbbb', 'abcbbb'],
  },
  {
    name: 'nullable repetition (XGrammar test)',
    ebnf: 'root ::= rule {2, 3}\nrule ::= ("abc" | "bcd" | "") [bc] {0,}',
    strings: ['', 'abc', 'bcdbc', 'abcbcdabc', 'abcbcdabcbcd', 'bbbb'],
  },
  {
    name: 'nested counted repetition',
    ebnf: 'root ::= ("a" "b"{1,2}){2,3}',
    strings: ['abab', 'abbab', 'ababab', 'ab'],
  },
  { name: 'counted of counted', ebnf: 'root ::= (("x"{2}) "-"){3}', strings: ['xx-xx-xx-', 'xx-xx-'] },
  {
    name: 'large repeat 200',
    ebnf: 'root ::= "a"{200}',
    strings: ['a'.repeat(200), 'a'.repeat(199), 'a'.repeat(201)],
  },
  {
    name: 'large at least',
    ebnf: 'root ::= "a"{200,}',
    strings: ['a'.repeat(200), 'a'.repeat(199), 'a'.repeat(300)],
  },
  {
    name: 'large bounded',
    ebnf: 'root ::= "a"{100,200}',
    strings: ['a'.repeat(99), 'a'.repeat(100), 'a'.repeat(150), 'a'.repeat(200), 'a'.repeat(201)],
  },
  {
    name: 'counter boundary 128/129',
    ebnf: 'root ::= "a"{128} "b"{129}',
    strings: [`${'a'.repeat(128)}${'b'.repeat(129)}`, `${'a'.repeat(129)}${'b'.repeat(128)}`],
  },
  {
    name: 'table rows',
    ebnf: 'root ::= row{3}\nrow ::= cell{4} "\\n"\ncell ::= [a-z]{1,3} ","',
    strings: ['a,b,c,d,\nab,b,c,d,\nabc,b,c,d,\n', 'a,b,c,\na,b,c,d,\na,b,c,d,\n'],
  },
  {
    name: 'escapes',
    ebnf: 'root ::= "\\n\\t\\r\\"\\\\\\\'\\?\\a\\b\\f\\v\\e"',
    strings: ['\n\t\r"\\\'?\x07\b\f\v\x1b'],
  },
  { name: 'greedy hex escape', ebnf: 'root ::= "\\x41B" | "\\x41" "B"', strings: ['\u041b', 'AB', 'A'] },
  {
    name: 'unicode escapes',
    ebnf: 'root ::= "\\u00e9\\U0001F600" [\\u0041-\\u0043]',
    strings: ['é😀A', 'é😀C', 'é😀D'],
  },
  { name: 'raw UTF-8 literal', ebnf: 'root ::= "héllo 世界 😀"', strings: ['héllo 世界 😀', 'hello'] },
  {
    name: 'class escapes',
    ebnf: 'root ::= [\\^\\$\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\-\\\\]+',
    strings: ['^$.*+?()[]{}|-\\', 'a'],
  },
  {
    name: 'class dash rules',
    ebnf: 'root ::= [-A-Z] [a-] [--] [\\--\\]]',
    strings: ['-a--', 'Q---', 'A-\\]', 'a---'],
  },
  {
    name: 'class with special chars',
    ebnf: 'root ::= [\\r\\n$\\x10-o\\]\\--]+',
    strings: ['\r\n$', ']-', 'o', 'p', '\x10'],
  },
  { name: 'negated ASCII class', ebnf: 'root ::= [^a-z0-9]+', strings: ['ABC', 'a', '!?', 'é中😀', 'Ab'] },
  {
    name: 'negated quote class',
    ebnf: 'root ::= "\\"" [^"\\\\]* "\\""',
    strings: ['"abc"', '"a"b"', '"é"', '"\\"'],
  },
  { name: 'any code point', ebnf: 'root ::= [^]{2}', strings: ['ab', 'é中', 'a', '😀😀'] },
  {
    name: 'negated class with non-ASCII member (quirk)',
    ebnf: 'root ::= [^中é]+',
    strings: ['中', 'é', '-', 'abc', '-中'],
  },
  {
    name: 'negated range to max (quirk)',
    ebnf: 'root ::= [^\\x00-\\U0010FFFF]',
    strings: ['a', 'é', '中', '😀'],
  },
  { name: 'negated mixed (quirk)', ebnf: 'root ::= [^a-zé]*', strings: ['ABC', 'é', 'abc', 'Ü'] },
  {
    name: 'single non-ASCII members',
    ebnf: 'root ::= [，]+ [é] [😀]?',
    strings: ['，，é', '，é😀', '，😀', ',é'],
  },
  {
    name: 'several non-ASCII members',
    ebnf: 'root ::= [a，]+ [é中😀]',
    oracle: false,
    oracleBug: 'XGrammar 0.1.27 WASM rejects non-ASCII members of classes with more than one member',
    expect: [
      ['，a，é', true],
      ['a中', true],
      ['😀', false],
      ['a😀', true],
      ['a，', false],
    ],
  },
  {
    name: 'Cyrillic range',
    ebnf: 'root ::= [а-я]+',
    oracle: false,
    oracleBug: 'XGrammar 0.1.27 WASM rejects members of non-ASCII ranges',
    expect: [
      ['привет', true],
      ['пр1', false],
      ['', false],
      ['ё', false],
    ],
  },
  {
    name: 'CJK and mixed ranges',
    ebnf: 'root ::= [a-zа-я一-龥]{0,20}',
    oracle: false,
    oracleBug: 'XGrammar 0.1.27 WASM rejects members of non-ASCII ranges',
    expect: [
      ['', true],
      ['abcпривет中文', true],
      ['A', false],
      ['abcdefghijklmnopqrstu', false],
    ],
  },
  {
    name: 'emoji range',
    ebnf: 'root ::= [😀-🙏]+ "!"',
    oracle: false,
    oracleBug: 'XGrammar 0.1.27 WASM rejects members of non-ASCII ranges',
    expect: [
      ['😀🙏!', true],
      ['🚀!', false],
      ['!', false],
    ],
  },
  {
    name: 'kana without digits',
    ebnf: 'root ::= [^0-9]*',
    strings: ['こんにちは', 'こんにちは1', '', 'abc'],
  },
  { name: 'left recursion', ebnf: 'root ::= root "a" | "b"', strings: ['b', 'baaa', 'ab', ''] },
  { name: 'right recursion', ebnf: 'root ::= "a" root | "b"', strings: ['b', 'aaab', 'ba'] },
  {
    name: 'heavy left/right recursion (XGrammar test_predict_complete)',
    ebnf: 'root ::= rule1 [0-9]?\nrule1 ::= rule2 [0-9]? | "a"\nrule2 ::= rule1 [0-9]? | "b"',
    strings: ['a', 'b', 'a1', 'a12', 'a123', 'b1234', 'c'],
  },
  {
    name: 'palindromes',
    ebnf: 'root ::= "a" root "a" | "b" root "b" | "a" | "b" | ""',
    strings: ['', 'aba', 'abba', 'ab', 'aabaa'],
  },
  { name: 'balanced parens', ebnf: 'root ::= ("(" root ")")*', strings: ['', '()', '(())()', '(()', ')('] },
  {
    name: 'nullable rules',
    ebnf: 'root ::= a b c\na ::= "x"?\nb ::= a a\nc ::= "" | "z"',
    strings: ['', 'x', 'xxx', 'xxxz', 'xxxxz'],
  },
  { name: 'mutually nullable', ebnf: 'root ::= a\na ::= b | "a"\nb ::= a | ""', strings: ['', 'a', 'aa'] },
  {
    name: 'arithmetic',
    ebnf: `root ::= expr
expr ::= term (("+" | "-") term)*
term ::= factor (("*" | "/") factor)*
factor ::= number | "(" expr ")" | "-" factor
number ::= [0-9]+ ("." [0-9]+)?`,
    strings: ['1+2*3', '(1+2)*3', '--4', '1+', '2.5/(3-1)', '()', '1..2'],
  },
  {
    name: 'arithmetic left-recursive',
    ebnf: 'root ::= sum\nsum ::= sum "+" prod | prod\nprod ::= prod "*" atom | atom\natom ::= [0-9] | "(" sum ")"',
    strings: ['1+2*3', '(1+2)*3', '1++2', '((1))'],
  },
  {
    name: 'CSV',
    ebnf: String.raw`root ::= row ("\n" row)* "\n"?
row ::= field ("," field)*
field ::= [^,"\n]* | "\"" ([^"] | "\"\"")* "\""`,
    strings: ['a,b,c\n1,2,3\n', 'a,"b,c",d', '"unterminated', 'x,"y""z"', ''],
  },
  {
    name: 'JSON',
    ebnf: JSON_EBNF,
    strings: ['{"a": [1, 2.5e-3, "x\\n\\u00e9", true, null]}', ' [ ] ', '{"a":}', '01', '"é"'],
  },
  {
    name: 'XGrammar test JSON (unoptimised)',
    ebnf: XG_TEST_JSON,
    strings: [
      '{"name": "John", "age": 30, "city": "New York"}',
      '[1, 2, 3]',
      '{"a": {"b": [true, false, null]}}',
      '{"name": "John", "age": 30, "city": "New York"} ',
      '{"a": 1,}',
      '[1 2]',
    ],
  },
  {
    name: 'custom root rule',
    ebnf: 'main ::= "a" other\nother ::= "b"+\nroot ::= "never"',
    root: 'main',
    strings: ['ab', 'abbb', 'never', 'a'],
  },
  {
    name: 'identifier characters',
    ebnf: 'root ::= a-b .c _d\na-b ::= "1"\n.c ::= "2"\n_d ::= "3"',
    strings: ['123', '12'],
  },
  {
    name: 'NFA ambiguity (XGrammar test_nfa)',
    ebnf: 'root ::= ("abc" | "ab" "c" | "a" "bc")+ "d"?',
    strings: ['abc', 'abcabcd', 'ab'],
  },
  { name: 'sparse end states', ebnf: 'root ::= ("a" | "bc")? "z"', strings: ['z', 'az', 'bcz', 'bz'] },
  {
    name: 'sparse end states star',
    ebnf: 'root ::= ("a" | "bc")* "z"',
    strings: ['z', 'abcaz', 'bcbcz', 'cz'],
  },
  { name: 'sparse end states plus', ebnf: 'root ::= ("a" | "bc")+ "z"', strings: ['z', 'az', 'abcz'] },
  { name: 'negated ranges', ebnf: 'root ::= [^a-cx-z]+', strings: ['def', 'abc', 'dxe', 'w'] },
  {
    name: 'lookahead assertion (XGrammar does not enforce it on strings)',
    ebnf: 'root ::= a b\na ::= "x"+ (= "y")\nb ::= "y" | "z"',
    strings: ['xy', 'xxz', 'xz', 'y'],
  },
  {
    name: 'key-value config',
    ebnf: String.raw`root ::= (line "\n")*
line ::= key " "* "=" " "* value | "#" [^\n]*
key ::= [a-zA-Z_] [a-zA-Z0-9_.]*
value ::= [0-9]+ | "\"" [^"\n]* "\"" | "true" | "false"`,
    strings: ['a = 1\n#c\nb.c="x"\n', 'a=\n', 'x=true\ny = false\n'],
  },
  {
    name: 'email-ish',
    ebnf: 'root ::= local "@" domain\nlocal ::= [a-z0-9._%+-]+\ndomain ::= label ("." label)+\nlabel ::= [a-z0-9] ([a-z0-9-]* [a-z0-9])?',
    strings: ['a.b@x.org', 'a@b', 'x@-y.com', 'me@mail.example.co'],
  },
  {
    name: 'ISO date',
    ebnf: 'root ::= year "-" month "-" day\nyear ::= [0-9]{4}\nmonth ::= "0" [1-9] | "1" [0-2]\nday ::= "0" [1-9] | [12] [0-9] | "3" [01]',
    strings: ['2024-02-29', '2024-13-01', '2024-00-10', '2024-12-31', '24-1-1'],
  },
  {
    name: 'function call',
    ebnf: `root ::= call
call ::= name "(" (arg ("," " "? arg)*)? ")"
arg ::= call | [0-9]+ | "'" [^']* "'"
name ::= [a-z_]+`,
    strings: ["f(1, g(2), 'x')", 'f()', 'f(,)', 'f(g(h()))'],
  },
  {
    name: 'XML-like',
    ebnf: 'root ::= elem\nelem ::= "<" name ">" (text | elem)* "</" name ">"\nname ::= [a-z]+\ntext ::= [^<>]+',
    strings: ['<a>hi<b>x</b></a>', '<a></b>', '<a>', '<a><a></a></a>'],
  },
  {
    name: 'deep nesting group',
    ebnf: `root ::= ${'('.repeat(50)}"a"${')'.repeat(50)}+`,
    strings: ['a', 'aaa', ''],
  },
  {
    name: 'TagDispatch basic',
    ebnf: 'root ::= TagDispatch(("<tool>", tool), ("<think>", think))\ntool ::= "{" [a-z]* "}"\nthink ::= [a-z ]* "</think>"',
    strings: [
      '',
      'hello',
      'hi <tool>{abc} bye',
      '<think>hmm</think>done',
      'x<tool>',
      'x<tool>{A}',
      '<to',
      'a<tool>{}<tool>{b}',
    ],
  },
  {
    name: 'TagDispatch no loop',
    ebnf: 'root ::= TagDispatch(("<a>", r), loop_after_dispatch=false)\nr ::= "x"',
    strings: ['hello<a>x', 'hello<a>xa', '<a>x<a>x', 'plain', ''],
  },
  {
    name: 'TagDispatch in a sequence',
    ebnf: 'root ::= "start:" TagDispatch(("@", at)) "."?\nat ::= [a-z]+ " "',
    strings: ['start:hi @bob done', 'start:', 'start:@x .', 'start: @ '],
  },
  {
    name: 'TagDispatch shared prefix tags',
    ebnf: 'root ::= TagDispatch(("<a>", ra), ("<ab>", rb), ("<b>", rb))\nra ::= "1"\nrb ::= "2"',
    strings: ['<a>1', '<ab>2', '<b>2<a>1', '<a2', 'x<ab', '<<a>1'],
  },
  {
    name: 'TagDispatch overlapping back edges',
    ebnf: 'root ::= TagDispatch(("bcd", r), ("abce", s))\nr ::= "!"\ns ::= "?"',
    oracle: false,
    oracleBug:
      'XGrammar 0.1.27 falls back to the trie root on a mismatch, so it misses "bcd" inside "abcd" (fixed at HEAD)',
    expect: [
      ['abcd!', true],
      ['abce?', true],
      ['abc', true],
      ['xbcd!', true],
      ['abcd', false],
      ['abcdx', false],
    ],
  },
];
