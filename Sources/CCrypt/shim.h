// libxcrypt: crypt_r / crypt_gensalt_rn with bcrypt ($2b$), which reads passlib's hashes.
#include <crypt.h>
