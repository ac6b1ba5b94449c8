"""What lessons and exercises share as content: safe Markdown rendering (the loaders of
each format live with it: kubeviz/lessons/, kubeviz/exercises/)."""
