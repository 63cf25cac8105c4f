/* The script embedded in every flame graph SVG (flame_script.c). */
#ifndef KPROF_FLAME_SCRIPT_H
#define KPROF_FLAME_SCRIPT_H

extern const char flame_script[];

#endif
