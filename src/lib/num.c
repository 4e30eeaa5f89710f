/* num: placeholder, being written */
