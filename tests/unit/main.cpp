// doctest's runner; every *_test.cpp under tests/unit links into this one binary.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
