#include <stdio.h>
int main(void) { puts("proeftuin"); return 0; }
