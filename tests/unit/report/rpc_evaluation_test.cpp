// Stub: filled in by the issue-16 work.
#include <gtest/gtest.h>
