
/*
 * Unit tests of ngx_http_overlay_runs.c: a text's runs by font, script
 * and direction (the CLI's inspect prints them), and the variation
 * selectors that ask for emoji or text presentation.
 */


#include "unit.h"
#include "ngx_http_overlay_runs.h"


#define RUNS_SANS   "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define RUNS_DEVA   "/usr/share/fonts/truetype/lohit-devanagari/" \
                    "Lohit-Devanagari.ttf"
#define RUNS_CJK    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
#define RUNS_EMOJI  "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"

#define RUNS_AR     "\xd9\x81\xd8\xb1\xd8\xb5\xd8\xa9 "                       \
                    "\xd8\xa3\xd8\xae\xd9\x8a\xd8\xb1\xd8\xa9"


typedef struct {
    const char  *text;      /* the run's bytes */
    const char  *script;
    int          rtl;
    unsigned     font;
} runs_want_t;


static void runs_check(const char *name, const char *chain,
    const char *text, int rtl, const runs_want_t *want, size_t nwant);


static void
runs_check(const char *name, const char *chain, const char *text, int rtl,
    const runs_want_t *want, size_t nwant)
{
    size_t                    i, n, at;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_run_t    runs[16];
    ngx_http_overlay_error_t  err;

    rc = ngx_http_overlay_text_runs(chain, text, strlen(text), rtl, runs, 16,
                                    &n, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && n == nwant, "%s: %zu runs, not %zu "
          "(%s)", name, n, nwant, rc == NGX_HTTP_OVERLAY_OK ? "" : err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK || n != nwant) {
        return;
    }

    at = 0;

    for (i = 0; i < n; i++) {
        CHECK(runs[i].start == at && runs[i].len == strlen(want[i].text)
              && memcmp(text + at, want[i].text, runs[i].len) == 0
              && strcmp(runs[i].script, want[i].script) == 0
              && runs[i].rtl == want[i].rtl && runs[i].font == want[i].font,
              "%s: run %zu is \"%.*s\" %s %s font %u, not \"%s\" %s %s "
              "font %u", name, i, (int) runs[i].len, text + runs[i].start,
              runs[i].script, runs[i].rtl ? "rtl" : "ltr", runs[i].font,
              want[i].text, want[i].script, want[i].rtl ? "rtl" : "ltr",
              want[i].font);

        at += runs[i].len;
    }

    CHECK(at == strlen(text), "%s: the runs cover the text", name);
}


void
test_runs_runs(void)
{
    size_t                    n;
    uint32_t                  missing;
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_run_t    runs[2];
    ngx_http_overlay_error_t  err;

    /*
     * UAX #9: the paragraph is left to right (its first strong letter is
     * Latin); the Arabic words are right to left with the space between
     * them; the digits after them are Arabic's (Common takes the script
     * before it) but left to right (level 2)
     */

    static const runs_want_t  mixed[] = {
        { "Last Chance \xe2\x80\x94 ", "Latn", 0, 0 },
        { RUNS_AR " ", "Arab", 1, 0 },
        { "2026", "Arab", 0, 0 },
    };

    /* a right-to-left paragraph of Hebrew: "!" at its end is rtl too */

    static const runs_want_t  hebrew[] = {
        { "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d!", "Hebr", 1, 0 },
    };

    /* fonts: Latin and the space in DejaVu, Devanagari in Lohit */

    static const runs_want_t  deva[] = {
        { "Last ", "Latn", 0, 0 },
        { "\xe0\xa4\x85\xe0\xa4\x82\xe0\xa4\xa4\xe0\xa4\xbf\xe0\xa4\xae",
          "Deva", 0, 1 },
    };

    /* Han, Hiragana, Katakana and Hangul: one font, four scripts */

    static const runs_want_t  cjk[] = {
        { "Last ", "Latn", 0, 0 },
        { "\xe6\x9c\x80\xe5\xbe\x8c", "Hani", 0, 1 },
        { "\xe3\x81\xae", "Hira", 0, 1 },
        { "\xe3\x83\x81\xe3\x83\xa3\xe3\x83\xb3\xe3\x82\xb9\xef\xbc\x81",
          "Kana", 0, 1 },
        { "\xeb\xa7\x88\xec\xa7\x80\xeb\xa7\x89", "Hang", 0, 1 },
    };

    /* digits and punctuation only: Common, left to right */

    static const runs_want_t  common[] = {
        { "50% -20", "Zyyy", 0, 0 },
    };

    runs_check("mixed", RUNS_SANS, "Last Chance \xe2\x80\x94 " RUNS_AR
               " 2026", 0, mixed, 3);
    runs_check("Hebrew", RUNS_SANS, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d!", 1,
               hebrew, 1);
    runs_check("Devanagari", RUNS_SANS ";" RUNS_DEVA,
               "Last \xe0\xa4\x85\xe0\xa4\x82\xe0\xa4\xa4\xe0\xa4\xbf"
               "\xe0\xa4\xae", 0, deva, 2);
    runs_check("CJK", RUNS_SANS ";" RUNS_CJK,
               "Last \xe6\x9c\x80\xe5\xbe\x8c\xe3\x81\xae\xe3\x83\x81\xe3\x83"
               "\xa3\xe3\x83\xb3\xe3\x82\xb9\xef\xbc\x81\xeb\xa7\x88\xec\xa7"
               "\x80\xeb\xa7\x89", 0, cjk, 5);
    runs_check("Common", RUNS_SANS, "50% -20", 0, common, 1);

    /* too little room: how many there are, the first ones filled */

    rc = ngx_http_overlay_text_runs(RUNS_SANS, "Last Chance \xe2\x80\x94 "
                                    RUNS_AR " 2026",
                                    strlen("Last Chance \xe2\x80\x94 "
                                           RUNS_AR " 2026"),
                                    0, runs, 2, &n, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && n == 3 && runs[1].rtl == 1,
          "2 runs of room for 3: %zu", n);

    /* a character no font has: refused, named */

    rc = ngx_http_overlay_text_runs(RUNS_SANS, "Last \xe0\xa4\x95", 8, 0,
                                    runs, 2, &n, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_BAD_SPEC
          && strstr(err.msg, "U+0915") != NULL, "U+0915 refused: \"%s\"",
          err.msg);

    rc = ngx_http_overlay_text_cover(RUNS_SANS ";" RUNS_CJK,
                                     "\xeb\xa7\x88", 3, &missing, &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK, "Hangul in WenQuanYi Micro Hei: %s",
          rc == NGX_HTTP_OVERLAY_OK ? "" : err.msg);
}


void
test_runs_presentation(void)
{
    size_t                    i;
    uint32_t                  missing;
    unsigned                  nfaces;
    unsigned char             fonts[16];
    ngx_http_overlay_rc_e     rc;
    ngx_http_overlay_error_t  err;
    ngx_http_overlay_face_t  *faces[NGX_HTTP_OVERLAY_CHAIN_MAX];

    /*
     * U+2764 HEAVY BLACK HEART is in DejaVu and in the emoji font: alone
     * (text presentation by default) and with U+FE0E it is DejaVu's, with
     * U+FE0F the colour font's; the fire (U+1F525) is only the emoji
     * font's; a keycap "1" + U+FE0F + U+20E3 is the emoji font's
     */

    static const struct {
        const char  *text;
        unsigned     font;
    } cases[] = {
        { "\xe2\x9d\xa4", 0 },
        { "\xe2\x9d\xa4\xef\xb8\x8e", 0 },
        { "\xe2\x9d\xa4\xef\xb8\x8f", 1 },
        { "\xf0\x9f\x94\xa5", 1 },
        { "1\xef\xb8\x8f\xe2\x83\xa3", 1 },
        { "1", 0 },
    };

    rc = ngx_http_overlay_chain(RUNS_SANS ";" RUNS_EMOJI, faces, &nfaces,
                                &err);
    CHECK(rc == NGX_HTTP_OVERLAY_OK && nfaces == 2
          && faces[1]->bitmap && FT_HAS_COLOR(faces[1]->face)
          && !faces[0]->bitmap,
          "DejaVu and Noto Color Emoji, a colour font of bitmaps: %s",
          rc == NGX_HTTP_OVERLAY_OK ? "" : err.msg);

    if (rc != NGX_HTTP_OVERLAY_OK) {
        return;
    }

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(fonts, 0xff, sizeof(fonts));

        rc = ngx_http_overlay_itemize(faces, nfaces, cases[i].text,
                                      strlen(cases[i].text), NULL, fonts,
                                      &missing);
        CHECK(rc == NGX_HTTP_OVERLAY_OK && fonts[0] == cases[i].font
              && fonts[strlen(cases[i].text) - 1] == cases[i].font,
              "case %zu: font %u, not %u", i, fonts[0], cases[i].font);
    }
}
