/* sign.c - Ed25519 keys and DSSE envelopes; see sign.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/eddsa.h>

#include "json.h"
#include "json_parse.h"
#include "sign.h"
#include "textsafe.h"

#define KEY_FILE_MAX 4096
#define ENVELOPE_MAX (64u * 1024 * 1024)

bool
key_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= KEY_NAME_MAX && name[0] != '.' && name[0] != '-' &&
	       pt_word_chars(name);
}

/* An e-mail address as a key records it: one line, printable, one '@'. */
static bool
email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i, n = strlen(s);

	if (n < 3 || n > 254 || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static void
set_keyid(struct key *k)
{
	pt_sha256_hex(k->pub, KEY_SIZE, k->keyid);
}

void
key_from_seed(const char *name, const char *email, const uint8_t seed[KEY_SIZE],
	      struct key *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->email = xstrdup(email);
	memcpy(out->seed, seed, KEY_SIZE);
	out->has_private = true;
	ed25519_sha512_public_key(out->pub, out->seed);
	set_keyid(out);
}

int
key_generate(const char *name, const char *email, struct key *out,
	     struct pt_err *err)
{
	uint8_t seed[KEY_SIZE];
	ssize_t got;

	if (!key_name_ok(name))
		return pt_err_set(err, EX_USAGE,
				  "'%s' cannot name a key; hint: letters, "
				  "digits, '_', '-' and '.', at most %d",
				  name, KEY_NAME_MAX);
	if (!email_ok(email))
		return pt_err_set(err, EX_USAGE,
				  "'%s' is not an e-mail address", email);
	do
		got = getrandom(seed, sizeof(seed), 0);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(seed))
		return pt_err_set(err, EX_OSERR, "no random bytes: %s",
				  strerror(errno));
	key_from_seed(name, email, seed, out);
	explicit_bzero(seed, sizeof(seed));
	return 0;
}

static void
hex_line(struct sbuf *out, const char *key, const uint8_t *b, size_t n)
{
	char hex[2 * KEY_SIZE + 1];

	pt_hex(b, n, hex);
	sbuf_printf(out, "%s = %s\n", key, hex);
}

void
key_public_text(const struct key *k, struct sbuf *out)
{
	sbuf_adds(out, "# proeftuin Ed25519 public key\n");
	sbuf_printf(out, "name = %s\nemail = %s\n", k->name, k->email);
	hex_line(out, "public", k->pub, KEY_SIZE);
}

void
key_private_text(const struct key *k, struct sbuf *out)
{
	sbuf_adds(out, "# proeftuin Ed25519 private key: keep it to "
		       "yourself; it never belongs in a bundle or report\n");
	sbuf_printf(out, "name = %s\nemail = %s\n", k->name, k->email);
	hex_line(out, "public", k->pub, KEY_SIZE);
	hex_line(out, "private", k->seed, KEY_SIZE);
}

static int
write_new_file(int dfd, const char *name, const struct sbuf *text, int mode,
	       const char *dir, struct pt_err *err)
{
	int fd =
	    openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return pt_err_set(err,
				  errno == EEXIST ? EX_CANTCREAT : EX_IOERR,
				  "%s/%s: %s%s", dir, name, strerror(errno),
				  errno == EEXIST ? "; hint: a key of that "
						    "name exists, pick "
						    "another name"
						  : "");
	if (fchmod(fd, (mode_t)mode) < 0 ||
	    pt_write_all(fd, text->buf, text->len) < 0 || fsync(fd) < 0) {
		pt_err_set(err, EX_IOERR, "%s/%s: %s", dir, name,
			   strerror(errno));
		close(fd);
		(void)unlinkat(dfd, name, 0);
		return -1;
	}
	if (close(fd) < 0) {
		pt_err_set(err, EX_IOERR, "%s/%s: %s", dir, name,
			   strerror(errno));
		(void)unlinkat(dfd, name, 0);
		return -1;
	}
	return 0;
}

int
key_write_pair(const char *dir, const struct key *k, struct pt_err *err)
{
	struct sbuf priv = SBUF_INIT, pub = SBUF_INIT;
	char *kname = xasprintf("%s.key", k->name),
	     *pname = xasprintf("%s.pub", k->name);
	int dfd = -1, rc = -1;

	/* The parents too: ~/.config may not exist on a fresh account. */
	for (char *p = strchr(dir + 1, '/'); p != NULL;
	     p = strchr(p + 1, '/')) {
		char *part = xstrndup(dir, (size_t)(p - dir));

		(void)mkdir(part, 0700);
		free(part);
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		pt_err_set(err, EX_CANTCREAT, "%s: %s", dir, strerror(errno));
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pt_err_set(err, EX_CANTCREAT, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (faccessat(dfd, pname, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		pt_err_set(err, EX_CANTCREAT,
			   "%s/%s exists; hint: a key of that name exists, "
			   "pick another name",
			   dir, pname);
		goto out;
	}
	key_private_text(k, &priv);
	key_public_text(k, &pub);
	if (write_new_file(dfd, kname, &priv, 0600, dir, err) < 0)
		goto out;
	if (write_new_file(dfd, pname, &pub, 0644, dir, err) < 0) {
		(void)unlinkat(dfd, kname, 0);
		goto out;
	}
	(void)fsync(dfd);
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	if (priv.buf != NULL)
		explicit_bzero(priv.buf, priv.len);
	sbuf_free(&priv);
	sbuf_free(&pub);
	free(kname);
	free(pname);
	return rc;
}

static int
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++) {
		int v = s[i] >= '0' && s[i] <= '9'   ? s[i] - '0'
			: s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
						     : -1;

		if (v < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

int
key_parse(const char *text, size_t len, const char *origin, struct key *out,
	  struct pt_err *err)
{
	char *copy, *line, *save = NULL;
	bool have_pub = false, have_name = false;
	uint8_t derived[KEY_SIZE];
	int lineno = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > KEY_FILE_MAX || memchr(text, '\0', len) != NULL ||
	    !utf8_valid(text, len))
		return pt_err_set(err, EX_DATAERR, "%s: not a key file",
				  origin);
	copy = xstrndup(text, len);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq, *k, *v, *end;

		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		eq = strstr(line, " = ");
		if (eq == NULL) {
			pt_err_set(err, EX_DATAERR,
				   "%s: line %d is not 'key = value'", origin,
				   lineno);
			goto out;
		}
		*eq = '\0';
		k = line;
		v = eq + 3;
		end = v + strlen(v);
		if (end > v && end[-1] == '\r')
			end[-1] = '\0';
		if (strcmp(k, "name") == 0 && !have_name && key_name_ok(v)) {
			snprintf(out->name, sizeof(out->name), "%s", v);
			have_name = true;
		} else if (strcmp(k, "email") == 0 && out->email == NULL &&
			   email_ok(v)) {
			out->email = xstrdup(v);
		} else if (strcmp(k, "public") == 0 && !have_pub &&
			   unhex(v, out->pub, KEY_SIZE) == 0) {
			have_pub = true;
		} else if (strcmp(k, "private") == 0 && !out->has_private &&
			   unhex(v, out->seed, KEY_SIZE) == 0) {
			out->has_private = true;
		} else {
			pt_err_set(err, EX_DATAERR,
				   "%s: line %d: unknown, repeated or "
				   "malformed '%s'",
				   origin, lineno, k);
			goto out;
		}
	}
	if (!have_name || out->email == NULL || !have_pub) {
		pt_err_set(err, EX_DATAERR,
			   "%s: a key file needs name, email and public",
			   origin);
		goto out;
	}
	if (out->has_private) {
		ed25519_sha512_public_key(derived, out->seed);
		if (memcmp(derived, out->pub, KEY_SIZE) != 0) {
			pt_err_set(err, EX_DATAERR,
				   "%s: the private key does not match its "
				   "public key",
				   origin);
			goto out;
		}
	}
	set_keyid(out);
	rc = 0;
out:
	explicit_bzero(copy, len);
	free(copy);
	if (rc < 0)
		key_fini(out);
	return rc;
}

/* Read a small file without following a symlink; -1 with errno. */
static int
read_small(int dfd, const char *name, struct sbuf *out, struct stat *st)
{
	char buf[KEY_FILE_MAX + 1];
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	sbuf_add(out, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int
key_load_private(const char *dir, const char *name, struct key *out,
		 struct pt_err *err)
{
	struct sbuf text = SBUF_INIT;
	char *file = xasprintf("%s.key", name);
	char *origin = xasprintf("%s/%s", dir, file);
	struct stat st;
	int dfd, rc = -1;

	if (!key_name_ok(name)) {
		pt_err_set(err, EX_USAGE, "'%s' cannot name a key", name);
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || read_small(dfd, file, &text, &st) < 0) {
		pt_err_set(err, EX_NOINPUT,
			   "%s: %s; hint: make one with 'proeftuin key new "
			   "%s --email ADDRESS' or name the keyring with "
			   "--keyring",
			   origin, strerror(errno), name);
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	close(dfd);
	if ((st.st_mode & 077) != 0) {
		pt_err_set(err, EX_NOPERM,
			   "%s can be read by others (mode %03o); hint: "
			   "chmod 600 %s",
			   origin, (unsigned)(st.st_mode & 0777), origin);
		goto out;
	}
	if (key_parse(text.buf, text.len, origin, out, err) < 0)
		goto out;
	if (!out->has_private || strcmp(out->name, name) != 0) {
		pt_err_set(err, EX_DATAERR, "%s: not the private key of '%s'",
			   origin, name);
		key_fini(out);
		goto out;
	}
	rc = 0;
out:
	if (text.buf != NULL)
		explicit_bzero(text.buf, text.len);
	sbuf_free(&text);
	free(file);
	free(origin);
	return rc;
}

int
keyring_load(const char *dir, struct keyring *out, struct pt_err *err)
{
	struct dirent **ents = NULL;
	int dfd, i, n, rc = 0;

	out->v = NULL;
	out->n = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0
				       : pt_err_set(err, EX_NOINPUT, "%s: %s",
						    dir, strerror(errno));
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		size_t len = strlen(e);
		struct sbuf text = SBUF_INIT;
		struct stat st;
		struct key k;
		char *origin;

		if (rc == 0 && len > 4 && strcmp(e + len - 4, ".pub") == 0 &&
		    e[0] != '.') {
			origin = xasprintf("%s/%s", dir, e);
			if (read_small(dfd, e, &text, &st) < 0)
				rc = pt_err_set(err, EX_NOINPUT, "%s: %s",
						origin, strerror(errno));
			else if (key_parse(text.buf, text.len, origin, &k,
					   err) < 0)
				rc = -1;
			else if (k.has_private) {
				key_fini(&k);
				rc = pt_err_set(err, EX_DATAERR,
						"%s holds a private key; hint: "
						"a .pub file holds only the "
						"public key",
						origin);
			} else if (strncmp(e, k.name, len - 4) != 0 ||
				   strlen(k.name) != len - 4) {
				rc = pt_err_set(err, EX_DATAERR,
						"%s names the key '%s'", origin,
						k.name);
				key_fini(&k);
			} else {
				out->v = xreallocarray(out->v, out->n + 1,
						       sizeof(*out->v));
				out->v[out->n++] = k;
			}
			free(origin);
			sbuf_free(&text);
		}
		free(ents[i]);
	}
	free(ents);
	close(dfd);
	if (rc < 0)
		keyring_fini(out);
	return rc;
}

const struct key *
keyring_find(const struct keyring *ring, const char *keyid)
{
	size_t i;

	for (i = 0; i < ring->n; i++)
		if (strcmp(ring->v[i].keyid, keyid) == 0)
			return &ring->v[i];
	return NULL;
}

void
key_fini(struct key *k)
{
	free(k->email);
	explicit_bzero(k, sizeof(*k));
}

void
keyring_fini(struct keyring *ring)
{
	size_t i;

	for (i = 0; i < ring->n; i++)
		key_fini(&ring->v[i]);
	free(ring->v);
	ring->v = NULL;
	ring->n = 0;
}

void
dsse_pae(const char *type, const void *body, size_t len, struct sbuf *out)
{
	sbuf_printf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, len);
	sbuf_add(out, body, len);
}

void
pt_base64_encode(const void *p, size_t n, struct sbuf *out)
{
	size_t need = BASE64_ENCODE_RAW_LENGTH(n);

	sbuf_reserve(out, need);
	base64_encode_raw(out->buf + out->len, n, (const uint8_t *)p);
	out->len += need;
	out->buf[out->len] = '\0';
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
pt_base64_decode(const char *s, size_t n, struct sbuf *out)
{
	uint32_t acc = 0;
	size_t i, bits = 0, pad = 0;

	while (pad < 2 && n > 0 && s[n - 1] == '=') {
		n--;
		pad++;
	}
	if ((pad > 0 && (n + pad) % 4 != 0) || n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		int v = b64_value(s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sbuf_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
	/* Leftover bits must be zero: one encoding per byte string. */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return 0;
}

void
dsse_sign(const struct key *k, const char *type, const void *payload,
	  size_t len, struct sbuf *out)
{
	struct sbuf pae = SBUF_INIT, b64 = SBUF_INIT;
	uint8_t sig[SIG_SIZE];
	struct jv *env = jv_obj(), *sigs = jv_arr(), *one = jv_obj();

	dsse_pae(type, payload, len, &pae);
	ed25519_sha512_sign(k->pub, k->seed, pae.len, (const uint8_t *)pae.buf,
			    sig);
	pt_base64_encode(payload, len, &b64);
	jv_set_str(env, "payload", b64.buf);
	jv_set_str(env, "payloadType", type);
	sbuf_reset(&b64);
	pt_base64_encode(sig, sizeof(sig), &b64);
	jv_set_str(one, "keyid", k->keyid);
	jv_set_str(one, "sig", b64.buf);
	jv_push(sigs, one);
	jv_set(env, "signatures", sigs);
	jv_write(env, out);
	sbuf_addc(out, '\n');
	jv_free(env);
	sbuf_free(&pae);
	sbuf_free(&b64);
}

int
dsse_open(const char *text, size_t len, const char *type,
	  const struct keyring *ring, struct sbuf *payload,
	  const struct key **signer, struct pt_err *err)
{
	struct sbuf sig = SBUF_INIT, pae = SBUF_INIT;
	const char *why, *ptype, *b64, *keyid, *sigtext;
	struct jv *env = NULL, *sigs, *one;
	const struct key *k;
	size_t at;
	int rc = -1;

	*signer = NULL;
	sbuf_reset(payload);
	if (len > ENVELOPE_MAX) {
		pt_err_set(err, EX_DATAERR, "too large for an envelope");
		goto out;
	}
	while (len > 0 && text[len - 1] == '\n')
		len--;
	env = json_parse(text, len, &why, &at);
	if (env == NULL || jv_kind(env) != JV_OBJ) {
		pt_err_set(err, EX_DATAERR,
			   "not a DSSE envelope (%s at byte "
			   "%zu)",
			   env == NULL ? why : "not an object", at);
		goto out;
	}
	ptype = jv_get_str(env, "payloadType");
	b64 = jv_get_str(env, "payload");
	sigs = jv_get(env, "signatures");
	if (ptype == NULL || b64 == NULL || sigs == NULL ||
	    jv_kind(sigs) != JV_ARR) {
		pt_err_set(err, EX_DATAERR,
			   "not a DSSE envelope (payload, payloadType and "
			   "signatures are needed)");
		goto out;
	}
	if (strcmp(ptype, type) != 0) {
		pt_err_set(err, EX_DATAERR, "payload type '%s', expected '%s'",
			   ptype, type);
		goto out;
	}
	if (jv_len(sigs) != 1) {
		pt_err_set(err, EX_DATAERR,
			   "%zu signatures; a record has exactly one, by its "
			   "author",
			   jv_len(sigs));
		goto out;
	}
	one = jv_at(sigs, 0);
	keyid = jv_get_str(one, "keyid");
	sigtext = jv_get_str(one, "sig");
	if (keyid == NULL || sigtext == NULL ||
	    pt_base64_decode(sigtext, strlen(sigtext), &sig) < 0 ||
	    sig.len != SIG_SIZE) {
		pt_err_set(err, EX_DATAERR, "malformed signature");
		goto out;
	}
	if (pt_base64_decode(b64, strlen(b64), payload) < 0) {
		pt_err_set(err, EX_DATAERR, "the payload is not base64");
		goto out;
	}
	k = keyring_find(ring, keyid);
	if (k == NULL) {
		pt_err_set(err, EX_DATAERR,
			   "signed by key %.16s…, which is not in the "
			   "keyring; hint: add the signer's .pub file to "
			   "the keyring once you have checked its key id",
			   keyid);
		goto out;
	}
	dsse_pae(ptype, payload->buf != NULL ? payload->buf : "", payload->len,
		 &pae);
	if (ed25519_sha512_verify(k->pub, pae.len, (const uint8_t *)pae.buf,
				  (const uint8_t *)sig.buf) != 1) {
		pt_err_set(err, EX_DATAERR,
			   "the signature by '%s' does not verify: the record "
			   "was changed after it was signed",
			   k->name);
		goto out;
	}
	*signer = k;
	rc = 0;
out:
	if (rc < 0)
		sbuf_reset(payload);
	jv_free(env);
	sbuf_free(&sig);
	sbuf_free(&pae);
	return rc;
}
