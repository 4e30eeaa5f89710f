/* scan: placeholder, being written */
