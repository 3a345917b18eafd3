/*
 * kigen_card.h — the My Number card reader of kigen: the JPKI
 * certificates and the text AP's basic facts, over PC/SC. Present in a
 * build when KIGEN_HAS_CARD is 1 (kigen_version.h); include it after, or
 * instead of, kigen.h. The conventions of kigen.h hold here too.
 */
#ifndef KIGEN_CARD_H
#define KIGEN_CARD_H

#include "kigen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* My Number card reader (PC/SC), present when KIGEN_HAS_CARD is 1     */
/* (kigen_version.h; the build option KIGEN_WITH_CARD). Reads the JPKI  */
/* certificates and the text AP's                                        */
/* basic facts. docs/card.md is the manual.                             */
/*                                                                       */
/* A kigen_card handle is one PC/SC context and at most one connected    */
/* card. Not thread-safe: use one handle per thread (handles on          */
/* different threads are independent). Every call that can fail returns */
/* a kigen_status (KIGEN_ECARD for card and reader failures) and then    */
/* kigen_card_error() says which failure and kigen_card_errmsg() why;    */
/* both stay until the next call on the handle.                          */
/* ------------------------------------------------------------------ */

typedef struct kigen_card kigen_card;

/* The precise kind of the last failure on a handle (kigen_card_error). */
typedef enum kigen_card_errkind {
    KIGEN_CARD_E_NONE = 0,
    KIGEN_CARD_E_NO_PCSCD = 1,      /* the PC/SC service (pcscd) is not running or stopped */
    KIGEN_CARD_E_NO_READER = 2,     /* no reader attached, or none of the name asked for */
    KIGEN_CARD_E_NO_CARD = 3,       /* the reader holds no card */
    KIGEN_CARD_E_TIMEOUT = 4,       /* no card came within the timeout */
    KIGEN_CARD_E_REMOVED = 5,       /* the card was taken out (also in the middle of a read) */
    KIGEN_CARD_E_READER_GONE = 6,   /* the reader was unplugged */
    KIGEN_CARD_E_RESET = 7,         /* another program reset the card: its state is lost */
    KIGEN_CARD_E_SHARING = 8,       /* another program holds the card exclusively */
    KIGEN_CARD_E_NOT_JPKI = 9,      /* the card has no JPKI application (or no text AP) */
    KIGEN_CARD_E_PIN_WRONG = 10,    /* VERIFY refused the PIN; tries left are reported */
    KIGEN_CARD_E_PIN_BLOCKED = 11,  /* no tries left: only the city office can reset it */
    KIGEN_CARD_E_PIN_LAST_TRY = 12, /* refused to spend the last try (pass force) */
    KIGEN_CARD_E_PIN_FORMAT = 13,   /* the PIN does not have the required form */
    KIGEN_CARD_E_PIN_REQUIRED = 14, /* the card wants a PIN first (status 6982) */
    KIGEN_CARD_E_NOT_FOUND = 15,    /* the card has no such file */
    KIGEN_CARD_E_PROTOCOL = 16,     /* a malformed or unexpected answer from the card */
    KIGEN_CARD_E_CERT = 17,         /* the certificate could not be parsed */
    KIGEN_CARD_E_PCSC = 18,         /* any other PC/SC failure (the message has the code) */
    KIGEN_CARD_E_NOT_CONNECTED = 19 /* the call needs a connected card */
} kigen_card_errkind;

/* What EF 0006 (token info) says the JPKI token is. */
typedef enum kigen_card_token {
    KIGEN_CARD_TOKEN_UNKNOWN = 0,   /* unrecognised token info */
    KIGEN_CARD_TOKEN_CARD = 1,      /* "JPKIAPICCTOKEN2": a My Number card */
    KIGEN_CARD_TOKEN_JUKI = 2,      /* "JPKIAPICCTOKEN": an old Juki (住基) card */
    KIGEN_CARD_TOKEN_SMARTPHONE = 3 /* "JPKIAPGPSETOKEN": smartphone JPKI; the auth
                                       certificate needs the auth PIN */
} kigen_card_token;

/* How the card was recognised as JPKI. */
typedef enum kigen_card_detection {
    KIGEN_CARD_DETECT_NONE = 0,
    KIGEN_CARD_DETECT_ATR = 1, /* its ATR is in the table of known JPKI ATRs */
    KIGEN_CARD_DETECT_AID = 2  /* unknown ATR, but SELECT of the JPKI AID succeeded */
} kigen_card_detection;

/* The four certificates of the JPKI application. */
typedef enum kigen_card_cert_id {
    KIGEN_CARD_CERT_AUTH = 0,    /* EF 000A, 利用者証明用: no PIN (smartphone: auth PIN) */
    KIGEN_CARD_CERT_AUTH_CA = 1, /* EF 000B, its CA: no PIN */
    KIGEN_CARD_CERT_SIGN = 2,    /* EF 0001, 署名用: after VERIFY of KIGEN_CARD_PIN_SIGN */
    KIGEN_CARD_CERT_SIGN_CA = 3  /* EF 0002, its CA: no PIN */
} kigen_card_cert_id;

/* The PINs kigen may verify. */
typedef enum kigen_card_pin {
    KIGEN_CARD_PIN_AUTH = 0, /* JPKI EF 0018: 4 digits, 3 tries */
    KIGEN_CARD_PIN_SIGN = 1, /* JPKI EF 001B: 6-16 letters and digits (upper-cased), 5 tries */
    KIGEN_CARD_PIN_TEXT = 2  /* text AP (券面事項入力補助AP) EF 0011: 4 digits, 3 tries */
} kigen_card_pin;

#define KIGEN_CARD_MAX_ATR 33

/* The connected card. Pointers belong to the handle and stay valid until
 * kigen_card_disconnect, the next kigen_card_connect or kigen_card_free. */
typedef struct kigen_card_info {
    const char *reader; /* the reader's PC/SC name */
    const uint8_t *atr;
    size_t atr_len;
    int protocol;                     /* 0: T=0, 1: T=1 */
    kigen_card_detection detected_by; /* NONE until kigen_card_detect has run */
} kigen_card_info;

/* A certificate's facts (kigen_card_cert_parse). The strings are
 * allocated for the struct; release them with kigen_card_cert_clear. */
typedef struct kigen_card_cert {
    char *serial;  /* upper-case hex, no separators */
    char *subject; /* RFC 2253 form, UTF-8 (non-ASCII not escaped) */
    char *issuer;  /* the same form */
    /* Validity in Japan time (UTC+9): a notAfter of 14:59:59Z is 23:59:59 JST
     * of the same day, so not_after is the last day the certificate is valid. */
    kigen_date not_before, not_after;
    char not_before_jst[32], not_after_jst[32]; /* "2029-05-02T23:59:59+09:00" */
    int64_t not_before_unix, not_after_unix;    /* seconds since 1970-01-01T00:00:00Z */
    char sha256[65];                            /* of the DER, lower-case hex */
} kigen_card_cert;

/* The text AP's four basic facts (基本4情報), UTF-8, NUL-terminated. Owned
 * by the handle (wiped on disconnect and free). Personal data: print the
 * name, address and sex only when the user asked for them. */
typedef struct kigen_card_basic {
    const char *name;
    const char *address;
    const char *birth;     /* as on the card: "YYYYMMDD" */
    const char *sex;       /* as on the card: "1" male, "2" female, "3"/"9" other */
    kigen_date birth_date; /* 0 when the card's text is not a valid date */
} kigen_card_basic;

/* Counters of the card traffic since kigen_card_connect. */
typedef struct kigen_card_stats {
    unsigned long apdus;    /* commands sent, GET RESPONSE and re-sends included */
    uint64_t transmit_usec; /* time spent in transmit */
} kigen_card_stats;

/* KIGEN_OK when the linked library's card structs have the sizes this
 * header says (call it with kigen_check_version); KIGEN_EVERSION otherwise. */
#define kigen_card_check_version()                                                                           \
    kigen_card_check_version_(sizeof(kigen_card_info), sizeof(kigen_card_cert), sizeof(kigen_card_basic),    \
                              sizeof(kigen_card_stats))
KIGEN_API int kigen_card_check_version_(size_t info, size_t cert, size_t basic, size_t stats);

/* Allocate a handle; no I/O yet (the PC/SC context is made by the first
 * call that needs it). KIGEN_ENOMEM is the only failure. The caller owns
 * *out and frees it with kigen_card_free. */
KIGEN_API int kigen_card_new(kigen_card **out);
/* Disconnect (resetting the card if a PIN was verified), release the
 * PC/SC context, wipe what was read, free. NULL is ignored. */
KIGEN_API void kigen_card_free(kigen_card *h);
/* The kigen_card_errkind of the last failure on h (KIGEN_CARD_E_NONE after
 * a success); KIGEN_CARD_E_NONE for NULL. */
KIGEN_API int kigen_card_error(const kigen_card *h);
/* A readable English message for the last failure, owned by h, valid
 * until the next call on h; "" after a success. Never contains a PIN. */
KIGEN_API const char *kigen_card_errmsg(const kigen_card *h);
/* A stable lower-case name for an error kind ("no_pcscd", "pin_blocked"),
 * for machine output. Static. */
KIGEN_API const char *kigen_card_error_name(int kind);
/* "card", "juki", "smartphone" or "unknown". Static. */
KIGEN_API const char *kigen_card_token_name(kigen_card_token t);

/* List the readers pcscd knows into h. No reader at all is KIGEN_ECARD /
 * KIGEN_CARD_E_NO_READER (with *count 0). The names belong to h and stay
 * valid until the list is made again (kigen_card_list_readers,
 * kigen_card_connect) or kigen_card_free. */
KIGEN_API int kigen_card_list_readers(kigen_card *h, size_t *count);
/* Reader i of the last list; NULL when i is out of range. */
KIGEN_API const char *kigen_card_reader_name(const kigen_card *h, size_t i);
/* Is there a card in reader i (of the last list)? Writes its ATR into atr
 * (KIGEN_CARD_MAX_ATR bytes; may be NULL) when present. */
KIGEN_API int kigen_card_reader_status(kigen_card *h, size_t i, int *present, uint8_t *atr, size_t *atr_len);

/* Connect to the card in `reader` (a reader's name, copied; NULL: the
 * first reader that holds a card; the reader list is made again), waiting up to timeout_ms for a card to be
 * inserted (0: do not wait, negative: wait forever). Takes a PC/SC
 * transaction (other programs wait) until kigen_card_disconnect.
 * Failures: NO_PCSCD, NO_READER, NO_CARD (timeout_ms 0), TIMEOUT,
 * READER_GONE, SHARING, REMOVED. */
KIGEN_API int kigen_card_connect(kigen_card *h, const char *reader, int timeout_ms);
/* The connected card; KIGEN_ECARD / NOT_CONNECTED when there is none. */
KIGEN_API int kigen_card_get_info(const kigen_card *h, kigen_card_info *out);
/* Is it a JPKI card? By the ATR table, else by SELECT of the JPKI AID.
 * KIGEN_ECARD / NOT_JPKI when it is not (the card stays connected). */
KIGEN_API int kigen_card_detect(kigen_card *h, kigen_card_detection *how);
/* Read EF 0006 (token info). */
KIGEN_API int kigen_card_token_type(kigen_card *h, kigen_card_token *out);
/* How many tries `pin` has left, without spending one (VERIFY without
 * data). 0 means blocked (reported as KIGEN_OK with *tries 0). */
KIGEN_API int kigen_card_pin_tries(kigen_card *h, kigen_card_pin pin, int *tries);
/* Verify a PIN (NUL-terminated; the sign password is upper-cased). Always
 * asks the tries left first: a blocked PIN is PIN_BLOCKED; with one try
 * left and force == 0 it is refused (PIN_LAST_TRY) without sending the
 * PIN. A wrong PIN is PIN_WRONG (PIN_BLOCKED when that was the last try).
 * *tries_left (may be NULL) gets the tries left after the call, -1 when
 * unknown. kigen keeps no copy of the PIN: its own buffers are wiped
 * before returning; the caller wipes pin. A success lasts until the
 * application is deselected or the card disconnected. */
KIGEN_API int kigen_card_verify(kigen_card *h, kigen_card_pin pin, const char *pin_text, int force,
                                int *tries_left);
/* Read a certificate's DER (length from its 4-byte header, read in
 * chunks of at most 256 bytes). *der belongs to h and stays valid until
 * disconnect or free. KIGEN_CARD_CERT_SIGN needs kigen_card_verify of
 * KIGEN_CARD_PIN_SIGN first (else PIN_REQUIRED). */
KIGEN_API int kigen_card_read_cert(kigen_card *h, kigen_card_cert_id id, const uint8_t **der, size_t *len);
/* Read the text AP's four basic facts (EF 0002); needs kigen_card_verify
 * of KIGEN_CARD_PIN_TEXT first. The strings belong to h (see the type). */
KIGEN_API int kigen_card_read_basic(kigen_card *h, kigen_card_basic *out);
/* Traffic counters of the current connection. */
KIGEN_API int kigen_card_get_stats(const kigen_card *h, kigen_card_stats *out);
/* End the transaction and disconnect; the card is reset when a PIN was
 * verified, so the verified state does not outlive us. Safe when not
 * connected. Wipes the basic facts. */
KIGEN_API void kigen_card_disconnect(kigen_card *h);

/* Parse a DER certificate with OpenSSL. Pure and thread-safe. On failure
 * returns KIGEN_EPARSE and writes a reason into err (errlen bytes, may be
 * NULL). On success the caller owns out's strings: kigen_card_cert_clear. */
KIGEN_API int kigen_card_cert_parse(const uint8_t *der, size_t len, kigen_card_cert *out, char *err,
                                    size_t errlen);
/* Free the strings of a parsed certificate and zero it. NULL is ignored. */
KIGEN_API void kigen_card_cert_clear(kigen_card_cert *c);

#ifdef __cplusplus
}
#endif
#endif /* KIGEN_CARD_H */
