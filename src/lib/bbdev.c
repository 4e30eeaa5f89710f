/* bbdev: placeholder, being written */
