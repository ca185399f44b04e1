/* cvpdf.c: TEMPORARY stand-in so that this branch links; helper B's
 * renderer (cairo + Pango) replaces it at merge. */
#include "cv/cv.h"
#include "base/banned.h"

int cv_pdf_render(const struct cv_doc *d, unsigned char **pdf, size_t *len, struct ct_err *err)
{
	(void)d;
	*pdf = NULL;
	*len = 0;
	return ct_fail(err, CT_EENV, "the PDF renderer is not built in this version");
}
