/* usberr: placeholder, being written */
