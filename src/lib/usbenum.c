/* usbenum: placeholder, being written */
