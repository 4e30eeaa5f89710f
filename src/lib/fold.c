/* fold: placeholder, being written */
