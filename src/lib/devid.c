/* devid: placeholder, being written */
