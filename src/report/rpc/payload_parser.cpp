// Stub: filled in by the issue-16 work.
#include "report/rpc/rpc_model.h"
