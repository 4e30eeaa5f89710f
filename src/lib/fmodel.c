/* fmodel: placeholder, being written */
