/* The input images of an image request (edits and variations) and the
 * edit mask: copied in, read back by registered providers, freed with the
 * request. */
#include <string.h>

#include "alloc.h"
#include "request_build.h"
#include "url.h"

/* OpenAI's /images/edits takes at most 16 images (spec v2.3.0,
 * CreateImageEditRequest.image maxItems). */
#define MAX_INPUT_IMAGES 16

static const char *default_name(const char *mime)
{
	if (!strcmp(mime, "image/jpeg"))
		return "image.jpg";
	if (!strcmp(mime, "image/webp"))
		return "image.webp";
	return "image.png";
}

static void blob_free(llmk__blob *b)
{
	llmk__free(b->data);
	llmk__free(b->mime);
	llmk__free(b->name);
	memset(b, 0, sizeof(*b));
}

/* Copies the bytes, MIME type and name into b (replacing nothing: b is
 * empty); LLMK_E_INVALID_ARG / LLMK_E_NOMEM with the detail on r. */
static llmk_status blob_set(llmk_request *r, llmk__blob *b, const char *what, const uint8_t *data, size_t len,
                            const char *mime, const char *name)
{
	if (!data || !len)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "%s is empty", what);
	if (strcmp(mime, "image/png") && strcmp(mime, "image/jpeg") && strcmp(mime, "image/webp"))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "%s MIME type must be image/png, image/jpeg or image/webp",
		                     what);
	if (!name)
		name = default_name(mime);
	/* The name goes into a multipart header between quotes. */
	if (!*name || strlen(name) > 255 || strpbrk(name, "\"/\\") || llmk__has_ctl(name))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "%s file name must be a plain name like photo.png", what);
	b->data = llmk__malloc(len);
	b->mime = llmk__strdup(mime);
	b->name = llmk__strdup(name);
	if (!b->data || !b->mime || !b->name) {
		blob_free(b);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	memcpy(b->data, data, len);
	b->len = len;
	return LLMK_OK;
}

llmk_status llmk_request_add_image(llmk_request *r, const uint8_t *data, size_t len, const char *mime,
                                   const char *filename)
{
	llmk__blob *grown;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = llmk__req_need_kind(r, LLMK_IMAGE, "add_image")))
		return st;
	if (r->nimages >= MAX_INPUT_IMAGES)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "an image request takes at most %d input images",
		                     MAX_INPUT_IMAGES);
	grown = llmk__realloc(r->images, (r->nimages + 1) * sizeof(*r->images));
	if (!grown)
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	r->images = grown;
	memset(&r->images[r->nimages], 0, sizeof(*r->images));
	if ((st = blob_set(r, &r->images[r->nimages], "input image", data, len, mime ? mime : "image/png", filename)))
		return st;
	r->nimages++;
	return LLMK_OK;
}

llmk_status llmk_request_set_mask(llmk_request *r, const uint8_t *data, size_t len)
{
	llmk__blob b;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = llmk__req_need_kind(r, LLMK_IMAGE, "set_mask")))
		return st;
	memset(&b, 0, sizeof(b));
	if (data && (st = blob_set(r, &b, "mask", data, len, "image/png", "mask.png")))
		return st;
	blob_free(&r->mask);
	r->mask = b;
	return LLMK_OK;
}

void llmk__request_media_free(llmk_request *r)
{
	size_t i;

	for (i = 0; i < r->nimages; i++)
		blob_free(&r->images[i]);
	llmk__free(r->images);
	blob_free(&r->mask);
}

size_t llmk_request_image_count(const llmk_request *r)
{
	return r ? r->nimages : 0;
}

const uint8_t *llmk_request_image(const llmk_request *r, size_t i, size_t *len)
{
	int ok = r && i < r->nimages;

	if (len)
		*len = ok ? r->images[i].len : 0;
	return ok ? r->images[i].data : NULL;
}

const char *llmk_request_image_mime(const llmk_request *r, size_t i)
{
	return r && i < r->nimages ? r->images[i].mime : NULL;
}

const char *llmk_request_image_name(const llmk_request *r, size_t i)
{
	return r && i < r->nimages ? r->images[i].name : NULL;
}

const uint8_t *llmk_request_mask(const llmk_request *r, size_t *len)
{
	if (len)
		*len = r && r->mask.data ? r->mask.len : 0;
	return r ? r->mask.data : NULL;
}
