/* Version reporting and the status-code table. */
#include "kigen.h"

const char *kigen_version(void)
{
    return KIGEN_VERSION;
}

int kigen_version_num(void)
{
    return KIGEN_VERSION_NUM;
}

int kigen_check_version_(int compiled_num, size_t value_size, size_t diag_size)
{
    if (value_size != sizeof(kigen_value) || diag_size != sizeof(kigen_diag))
        return KIGEN_EVERSION;
    /* Same major; a program built against a newer minor may call what this
     * library lacks. */
    if ((compiled_num >> 16) != KIGEN_VERSION_MAJOR)
        return KIGEN_EVERSION;
    if (((compiled_num >> 8) & 0xff) > KIGEN_VERSION_MINOR)
        return KIGEN_EVERSION;
    return KIGEN_OK;
}

const char *kigen_status_str(int status)
{
    switch (status) {
    case KIGEN_OK: return "KIGEN_OK: success";
    case KIGEN_EINVAL: return "KIGEN_EINVAL: invalid argument";
    case KIGEN_EMISUSE: return "KIGEN_EMISUSE: the API was misused (a NULL handle, or an index out of range)";
    case KIGEN_ENOMEM: return "KIGEN_ENOMEM: out of memory";
    case KIGEN_EPARSE: return "KIGEN_EPARSE: cannot parse";
    case KIGEN_ERANGE: return "KIGEN_ERANGE: out of range";
    case KIGEN_ENOTFOUND: return "KIGEN_ENOTFOUND: no such name";
    case KIGEN_ETYPE: return "KIGEN_ETYPE: wrong type";
    case KIGEN_ELOAD: return "KIGEN_ELOAD: the rule file has errors";
    case KIGEN_EIO: return "KIGEN_EIO: cannot read file";
    case KIGEN_EEVAL: return "KIGEN_EEVAL: evaluation error";
    case KIGEN_EVERSION: return "KIGEN_EVERSION: library version mismatch";
    case KIGEN_ECARD: return "KIGEN_ECARD: card or reader error";
    case KIGEN_ELUA: return "KIGEN_ELUA: policy script error";
    case KIGEN_ECANCELED: return "KIGEN_ECANCELED: stopped at the callback's request";
    default: return "unknown status";
    }
}
