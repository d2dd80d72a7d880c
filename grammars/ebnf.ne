# nearley grammar of the XGrammar EBNF dialect (what SGLang's `ebnf` parameter accepts).
# Input: the token list produced by src/ebnf/lexer.ts (not characters). The rule names below are part of
# the error mapping in src/ebnf/parser.ts (which expectation set maps to which XGrammar message), so
# keep them in sync. Regenerate with `npm run build:grammars`.
@preprocessor typescript

@{%
import { actions as a, tokenTypes } from './parse-actions.js';
%}

@lexer tokenTypes

# Lists are built as linked lists (O(1) per item): nearley re-runs a postprocessor every time a rule could end,
# so copying arrays there would be quadratic in the length of the grammar.
grammar -> null                                     {% a.listEmpty %}
  | grammar rule                                    {% a.listPush %}

rule -> %rulename %assign body lookahead:?          {% a.rule %}

lookahead -> %lookahead body %rparen                {% a.lookahead %}

body -> choices                                     {% a.body %}

choices -> sequence                                 {% a.listStart %}
  | choices %pipe sequence                          {% a.listPushLast %}

sequence -> quantified                              {% a.listStart %}
  | sequence quantified                             {% a.listPush %}

quantified -> element                               {% a.single %}
  | element %star                                   {% a.star %}
  | element %plus                                   {% a.plus %}
  | element %question                               {% a.question %}
  | element range                                   {% a.counted %}

element -> %lparen %rparen                          {% a.emptyGroup %}
  | %lparen body %rparen                            {% a.group %}
  | %charclass                                      {% a.charClass %}
  | %string                                         {% a.string %}
  | %ident                                          {% a.ruleRef %}
  | macro                                           {% a.single %}

range -> %lbrace %int %rbrace                       {% a.exactRange %}
  | %lbrace %int %comma %rbrace                     {% a.openRange %}
  | %lbrace %int %comma "-1"     %rbrace           {% a.openRange %}
  | bounded %rbrace                                 {% a.single %}

bounded -> %lbrace %int %comma %int                 {% a.boundedRange %}

macro -> %macro %lparen %rparen                     {% a.macro %}
  | %macro %lparen macroArgs %rparen                {% a.macro %}

macroArgs -> macroArg (%comma macroArg):*           {% a.macroArgs %}

macroArg -> value                                   {% a.positionalArg %}
  | %ident %equal value                             {% a.namedArg %}

value -> %string                                    {% a.stringValue %}
  | %int                                            {% a.intValue %}
  | %bool                                           {% a.boolValue %}
  | %ident                                          {% a.identValue %}
  | %macro                                          {% a.identValue %}
  | tuple                                           {% a.single %}

tuple -> %lparen %rparen                            {% a.tuple %}
  | %lparen value (%comma value):* %comma:? %rparen {% a.tuple %}
