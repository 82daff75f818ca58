// Only fcgiapp.h: fcgi_stdio.h redefines stdio and breaks Glibc for every importer.
#include <fcgiapp.h>
