/* pango_dl.h: Pango and cairo, loaded when the first CV is rendered.
 *
 * Why: cvpdf.c is the only user of Pango and cairo, and only the few
 * commands that render CVs reach it; linked, Pango, cairo and what they
 * link (fontconfig, FreeType, HarfBuzz, pixman, libpng, X11 and xcb:
 * 26 libraries) were loaded and relocated at the start of every run of
 * every command: 'corrtest --version' took 9.3 to 10.6 ms linked, 6.4
 * to 6.9 ms without them (perf stat -r 200). As with libcurl
 * (mail/curl_dl.h), nothing is linked against them: cvpdf.c includes
 * this header, which includes
 * Pango's and cairo's (still used for the types, the enums and
 * PANGO_SCALE: the Makefile compiles with their flags and links without),
 * and its calls of the functions listed below go to the pointers that
 * pango_dl_load found in the libraries. GLib and GObject (g_object_unref,
 * g_free, g_markup_printf_escaped) are linked already, through GMime, and
 * the Pango objects are made in that same GObject type system.
 *
 * Call pango_dl_load (cv_pdf_render does) before any of these functions.
 * A function added to cvpdf.c must be added to a list and to the #defines
 * below: one missing is an undefined reference when corrtest is linked. */
#ifndef CT_CV_PANGO_DL_H
#define CT_CV_PANGO_DL_H

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "base/util.h"

/* The functions, by the library that defines them (the SONAMEs are in
 * pango_dl.c). */
#define PANGO_DL_CAIRO(F)                      \
	F(cairo_create)                        \
	F(cairo_destroy)                       \
	F(cairo_fill)                          \
	F(cairo_line_to)                       \
	F(cairo_move_to)                       \
	F(cairo_pdf_surface_create_for_stream) \
	F(cairo_pdf_surface_set_metadata)      \
	F(cairo_rectangle)                     \
	F(cairo_set_line_width)                \
	F(cairo_set_source_rgb)                \
	F(cairo_show_page)                     \
	F(cairo_status)                        \
	F(cairo_status_to_string)              \
	F(cairo_stroke)                        \
	F(cairo_surface_destroy)               \
	F(cairo_surface_finish)                \
	F(cairo_surface_status)
#define PANGO_DL_PANGO(F)                           \
	F(pango_attr_allow_breaks_new)              \
	F(pango_attr_insert_hyphens_new)            \
	F(pango_attr_list_copy)                     \
	F(pango_attr_list_insert)                   \
	F(pango_attr_list_new)                      \
	F(pango_attr_list_ref)                      \
	F(pango_attr_list_unref)                    \
	F(pango_context_set_language)               \
	F(pango_context_set_round_glyph_positions)  \
	F(pango_font_describe)                      \
	F(pango_font_description_free)              \
	F(pango_font_description_get_family)        \
	F(pango_font_description_get_weight)        \
	F(pango_font_description_new)               \
	F(pango_font_description_set_family_static) \
	F(pango_font_description_set_size)          \
	F(pango_font_description_set_weight)        \
	F(pango_font_map_create_context)            \
	F(pango_font_map_load_font)                 \
	F(pango_language_from_string)               \
	F(pango_layout_get_attributes)              \
	F(pango_layout_get_extents)                 \
	F(pango_layout_get_iter)                    \
	F(pango_layout_get_line_readonly)           \
	F(pango_layout_get_text)                    \
	F(pango_layout_iter_free)                   \
	F(pango_layout_iter_get_baseline)           \
	F(pango_layout_iter_get_line_extents)       \
	F(pango_layout_iter_next_line)              \
	F(pango_layout_new)                         \
	F(pango_layout_set_attributes)              \
	F(pango_layout_set_font_description)        \
	F(pango_layout_set_line_spacing)            \
	F(pango_layout_set_markup)                  \
	F(pango_layout_set_text)                    \
	F(pango_layout_set_width)                   \
	F(pango_layout_set_wrap)
#define PANGO_DL_PANGOCAIRO(F)                \
	F(pango_cairo_context_set_resolution) \
	F(pango_cairo_font_map_new)           \
	F(pango_cairo_show_layout_line)       \
	F(pango_cairo_update_context)

/* Each pointer has the type of the function the header declares
 * (__typeof__, which gcc and clang both have), so that no prototype is
 * written out again here to go wrong when a library changes. */
#define PANGO_DL_FIELD(name) __typeof__(name) *name;
struct pango_dl {
	PANGO_DL_CAIRO(PANGO_DL_FIELD)
	PANGO_DL_PANGO(PANGO_DL_FIELD)
	PANGO_DL_PANGOCAIRO(PANGO_DL_FIELD)
};
extern struct pango_dl pango_dl;

/* Loads cairo, Pango and PangoCairo once (thread-safe: compose renders on
 * several threads); CT_EENV naming the library or function missing and
 * the loader's reason when they cannot be loaded. */
int pango_dl_load(struct ct_err *err);

/* The calls go through the table; pango_dl.c, which fills it, names the
 * fields and defines PANGO_DL_LOADER. */
#ifndef PANGO_DL_LOADER
#define cairo_create pango_dl.cairo_create
#define cairo_destroy pango_dl.cairo_destroy
#define cairo_fill pango_dl.cairo_fill
#define cairo_line_to pango_dl.cairo_line_to
#define cairo_move_to pango_dl.cairo_move_to
#define cairo_pdf_surface_create_for_stream pango_dl.cairo_pdf_surface_create_for_stream
#define cairo_pdf_surface_set_metadata pango_dl.cairo_pdf_surface_set_metadata
#define cairo_rectangle pango_dl.cairo_rectangle
#define cairo_set_line_width pango_dl.cairo_set_line_width
#define cairo_set_source_rgb pango_dl.cairo_set_source_rgb
#define cairo_show_page pango_dl.cairo_show_page
#define cairo_status pango_dl.cairo_status
#define cairo_status_to_string pango_dl.cairo_status_to_string
#define cairo_stroke pango_dl.cairo_stroke
#define cairo_surface_destroy pango_dl.cairo_surface_destroy
#define cairo_surface_finish pango_dl.cairo_surface_finish
#define cairo_surface_status pango_dl.cairo_surface_status
#define pango_attr_allow_breaks_new pango_dl.pango_attr_allow_breaks_new
#define pango_attr_insert_hyphens_new pango_dl.pango_attr_insert_hyphens_new
#define pango_attr_list_copy pango_dl.pango_attr_list_copy
#define pango_attr_list_insert pango_dl.pango_attr_list_insert
#define pango_attr_list_new pango_dl.pango_attr_list_new
#define pango_attr_list_ref pango_dl.pango_attr_list_ref
#define pango_attr_list_unref pango_dl.pango_attr_list_unref
#define pango_context_set_language pango_dl.pango_context_set_language
#define pango_context_set_round_glyph_positions pango_dl.pango_context_set_round_glyph_positions
#define pango_font_describe pango_dl.pango_font_describe
#define pango_font_description_free pango_dl.pango_font_description_free
#define pango_font_description_get_family pango_dl.pango_font_description_get_family
#define pango_font_description_get_weight pango_dl.pango_font_description_get_weight
#define pango_font_description_new pango_dl.pango_font_description_new
#define pango_font_description_set_family_static pango_dl.pango_font_description_set_family_static
#define pango_font_description_set_size pango_dl.pango_font_description_set_size
#define pango_font_description_set_weight pango_dl.pango_font_description_set_weight
#define pango_font_map_create_context pango_dl.pango_font_map_create_context
#define pango_font_map_load_font pango_dl.pango_font_map_load_font
#define pango_language_from_string pango_dl.pango_language_from_string
#define pango_layout_get_attributes pango_dl.pango_layout_get_attributes
#define pango_layout_get_extents pango_dl.pango_layout_get_extents
#define pango_layout_get_iter pango_dl.pango_layout_get_iter
#define pango_layout_get_line_readonly pango_dl.pango_layout_get_line_readonly
#define pango_layout_get_text pango_dl.pango_layout_get_text
#define pango_layout_iter_free pango_dl.pango_layout_iter_free
#define pango_layout_iter_get_baseline pango_dl.pango_layout_iter_get_baseline
#define pango_layout_iter_get_line_extents pango_dl.pango_layout_iter_get_line_extents
#define pango_layout_iter_next_line pango_dl.pango_layout_iter_next_line
#define pango_layout_new pango_dl.pango_layout_new
#define pango_layout_set_attributes pango_dl.pango_layout_set_attributes
#define pango_layout_set_font_description pango_dl.pango_layout_set_font_description
#define pango_layout_set_line_spacing pango_dl.pango_layout_set_line_spacing
#define pango_layout_set_markup pango_dl.pango_layout_set_markup
#define pango_layout_set_text pango_dl.pango_layout_set_text
#define pango_layout_set_width pango_dl.pango_layout_set_width
#define pango_layout_set_wrap pango_dl.pango_layout_set_wrap
#define pango_cairo_context_set_resolution pango_dl.pango_cairo_context_set_resolution
#define pango_cairo_font_map_new pango_dl.pango_cairo_font_map_new
#define pango_cairo_show_layout_line pango_dl.pango_cairo_show_layout_line
#define pango_cairo_update_context pango_dl.pango_cairo_update_context
#endif

#endif
