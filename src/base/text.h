/* Text: "did you mean" (edit distance), UTF-8 checks, display widths,
 * escapes for one-line messages, and the language messages are written in. */
#ifndef KIGEN_BASE_TEXT_H
#define KIGEN_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Edit distance, capped: returns cap+1 when larger. */
int kg_edit_distance(const char *a, const char *b, int cap);
/* The closest of n candidates to `name`, or NULL when none is close. */
const char *kg_closest(const char *name, const char *const *cands, size_t n);

/* Display width of UTF-8 text: East Asian wide characters count 2. */
size_t kg_display_width(const char *s, size_t n);
/* Number of code points in s[0..n). */
size_t kg_utf8_count(const char *s, size_t n);
bool kg_is_ident(const char *s, size_t n);

/* The language of the messages the running API call writes: Japanese or
 * English. Set from the context at the public entry points (kg_lang_enter),
 * so that deep helpers (the date parser, value parsing) need no argument. */
bool kg_ja(void);
bool kg_lang_enter(bool ja);      /* returns the previous setting */
void kg_lang_restore(bool *prev); /* for __attribute__((cleanup)) */
#define KG_LANG_SCOPE(ja)                                                                                    \
    bool kg_lang_prev_ __attribute__((cleanup(kg_lang_restore), unused)) = kg_lang_enter(ja)

/* Is s[0..n) well-formed UTF-8 (no overlong forms, no surrogates, at most
 * U+10FFFF)? */
bool kg_utf8_valid(const char *s, size_t n);
/* How many bytes of the NUL-terminated s, at most max, end between
 * characters: for "%.*s" in messages that quote outside text, so that a
 * cut never splits a character. */
int kg_utf8_fit(const char *s, int max);
/* The length of the longest prefix of s[0..n) that is well-formed UTF-8. */
size_t kg_utf8_valid_prefix(const char *s, size_t n);

/* Copy text that came from outside (a script, a record, a file) for a
 * one-line message: control characters (C0, DEL, C1), bidirectional
 * overrides, invisible characters (zero-width spaces, a byte order mark, a
 * no-break space) and bytes that are not UTF-8 become visible escapes (\n,
 * \t, \xNN, \u202e), so that such text cannot forge lines or reorder a
 * terminal's display. Writes at most cap-1 bytes and a NUL (cutting only
 * between characters); returns the length the whole escaped text needs. */
size_t kg_escape_line(char *dst, size_t cap, const char *src, size_t n);

#endif
